namespace AgentRuntime.Cluster;

/// <summary>Serves a request's body to the session's node, piece by piece, as it asks.</summary>
internal sealed class StreamUploadSource(Stream content) : IFileUploadSource
{
    // Bounds what a caller may ask for in one piece, whatever it says.
    private const int MaxChunkBytes = 1024 * 1024;

    public async Task<byte[]> ReadAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Clamp(maxBytes, 1, MaxChunkBytes)];
        var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == buffer.Length ? buffer : buffer[..read];
    }
}
