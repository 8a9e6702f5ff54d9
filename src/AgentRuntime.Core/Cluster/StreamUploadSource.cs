namespace AgentRuntime.Cluster;

/// <summary>
/// Serves a request's body to the session's node, piece by piece, as it asks: first the part already read
/// (<paramref name="head"/>), then the rest of <paramref name="content"/>.
/// </summary>
internal sealed class StreamUploadSource(byte[] head, Stream content) : IFileUploadSource
{
    // Bounds what a caller may ask for in one piece, whatever it says.
    private const int MaxChunkBytes = 1024 * 1024;

    private int _headOffset;

    public async Task<byte[]> ReadAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Clamp(maxBytes, 1, MaxChunkBytes)];
        var fromHead = Math.Min(buffer.Length, head.Length - _headOffset);
        head.AsSpan(_headOffset, fromHead).CopyTo(buffer);
        _headOffset += fromHead;
        var read = fromHead + await content.ReadAtLeastAsync(buffer.AsMemory(fromHead), buffer.Length - fromHead, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == buffer.Length ? buffer : buffer[..read];
    }
}
