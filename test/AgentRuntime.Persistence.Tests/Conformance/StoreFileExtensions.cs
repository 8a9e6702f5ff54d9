using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence.Tests.Conformance;

/// <summary>Byte-array shorthands over the stream API, for tests whose files are small.</summary>
internal static class StoreFileExtensions
{
    public static async Task SaveWorkspaceFileAsync(this IAgentStore store, string sessionId, WorkspaceFileInfo file, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        await store.SaveWorkspaceFileAsync(sessionId, file, stream, cancellationToken);
    }

    public static async Task<byte[]?> ReadWorkspaceFileAsync(this IAgentStore store, string sessionId, string path, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenWorkspaceFileAsync(sessionId, path, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
