using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using AgentRuntime.Persistence;

namespace AgentRuntime.Transport;

/// <summary>
/// The <c>cursor</c> of <c>GET /api/sessions</c>: a <see cref="SessionListPosition"/> as base64url of a format byte, the
/// last activity's UTC ticks (8 bytes, big-endian) and the session id in UTF-8. Opaque to clients, who pass back what
/// they were given; it names a place in the list rather than holding state on the server, so it never expires.
/// </summary>
internal static class SessionListCursor
{
    private const byte Format = 1;

    // Far above a GUID's 36 bytes, far below what would make the store's parameter a burden.
    private const int MaxIdBytes = 256;

    public static string ToCursor(SessionListPosition position)
    {
        var id = Encoding.UTF8.GetBytes(position.SessionId);
        var bytes = new byte[1 + sizeof(long) + id.Length];
        bytes[0] = Format;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), position.LastActivityUtcTicks);
        id.CopyTo(bytes, 1 + sizeof(long));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The position a cursor names, or <see langword="null"/> when it is not one this server makes.</summary>
    public static SessionListPosition? TryParse(string cursor)
    {
        if (cursor.Length > Base64Url.GetEncodedLength(1 + sizeof(long) + MaxIdBytes))
        {
            return null;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        if (Base64Url.DecodeFromChars(cursor, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != cursor.Length
            || written <= 1 + sizeof(long)
            || bytes[0] != Format)
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        string id;
        try
        {
            id = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 1 + sizeof(long), written - 1 - sizeof(long));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return ticks >= 0 && ticks <= DateTime.MaxValue.Ticks ? new SessionListPosition(ticks, id) : null;
    }
}
