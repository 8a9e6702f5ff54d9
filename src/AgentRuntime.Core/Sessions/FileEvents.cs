using System.Security.Cryptography;
using System.Text;
using AgentRuntime.Events;

namespace AgentRuntime.Sessions;

/// <summary>Builds file events, inlining the content of small text files.</summary>
internal static class FileEvents
{
    /// <summary>Text files up to this size travel inside their event.</summary>
    public const int InlineLimit = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static FileEvent Changed(bool created, string path, byte[] content, string hash)
    {
        var text = InlineText(content);
        return created
            ? new FileCreatedEvent { Path = path, Size = content.Length, Hash = hash, Content = text }
            : new FileModifiedEvent { Path = path, Size = content.Length, Hash = hash, Content = text };
    }

    /// <summary>A change whose content was spooled; only content small enough to travel in the event is looked at.</summary>
    public static FileEvent Changed(bool created, string path, SpooledFile content)
    {
        var text = content.SmallContent is { } small ? InlineText(small) : null;
        return created
            ? new FileCreatedEvent { Path = path, Size = content.Length, Hash = content.Hash, Content = text }
            : new FileModifiedEvent { Path = path, Size = content.Length, Hash = content.Hash, Content = text };
    }

    public static FileDeletedEvent Deleted(string path) => new() { Path = path };

    private static string? InlineText(byte[] content)
    {
        if (content.Length > InlineLimit || content.AsSpan().Contains((byte)0))
        {
            return null;
        }

        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
