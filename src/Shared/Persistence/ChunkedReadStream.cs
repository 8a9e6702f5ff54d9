namespace AgentRuntime.Persistence;

/// <summary>
/// A read-only, seekable stream over a stored workspace file kept as numbered chunks of <c>chunkSize</c> bytes (the
/// last one shorter), fetching one chunk at a time by key. Nothing stays open between reads: a client that reads
/// slowly holds one chunk's buffer, not a connection or a transaction. Each fetch names the version the stream was
/// opened at, so a file replaced or deleted meanwhile fails the read with <see cref="WorkspaceFileChangedException"/>
/// instead of mixing bytes of two versions. The first chunk comes with the open, read in the same statement as the
/// file's size and version, so a file of one chunk (most files) is always read whole, whatever happens after the open.
/// </summary>
/// <remarks>Compiled into each store that keeps chunks (linked from src/Shared), so neither exposes it.</remarks>
internal sealed class ChunkedReadStream : Stream
{
    private readonly string _path;
    private readonly long _length;
    private readonly FetchChunkAsync _fetch;
    private readonly byte[] _chunk;
    private int _chunkIndex = -1;
    private int _chunkLength;
    private long _position;

    /// <param name="path">The file's path, for messages.</param>
    /// <param name="length">The file's size when the stream was opened.</param>
    /// <param name="chunkSize">The size of every chunk but the last.</param>
    /// <param name="firstChunk">Chunk 0 of the opened version (empty for an empty file); the stream keeps the array.</param>
    /// <param name="fetch">Copies a chunk of the opened version into the buffer and returns its length, or -1 when it is gone.</param>
    /// <exception cref="WorkspaceFileChangedException">The first chunk does not have the length the size calls for.</exception>
    public ChunkedReadStream(string path, long length, int chunkSize, byte[] firstChunk, FetchChunkAsync fetch)
    {
        _path = path;
        _length = length;
        _fetch = fetch;
        ChunkSize = chunkSize;
        var bufferSize = (int)Math.Min(chunkSize, Math.Max(length, 1));
        _chunk = firstChunk.Length == bufferSize ? firstChunk : new byte[bufferSize];
        if (length > 0)
        {
            _chunkIndex = firstChunk.Length == ExpectedLength(0) ? 0 : throw Changed();
            _chunkLength = firstChunk.Length;
        }
    }

    /// <summary>Copies chunk <paramref name="index"/> into <paramref name="buffer"/>; returns its length, or -1 when there is none.</summary>
    public delegate ValueTask<int> FetchChunkAsync(int index, byte[] buffer, CancellationToken cancellationToken);

    public int ChunkSize { get; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= _length)
        {
            return 0;
        }

        var index = (int)(_position / ChunkSize);
        if (index != _chunkIndex)
        {
            _chunkIndex = -1;
            var read = await _fetch(index, _chunk, cancellationToken).ConfigureAwait(false);
            if (read != ExpectedLength(index))
            {
                throw Changed();
            }

            _chunkIndex = index;
            _chunkLength = read;
        }

        var offset = (int)(_position - ((long)index * ChunkSize));
        var count = Math.Min(buffer.Length, _chunkLength - offset);
        _chunk.AsSpan(offset, count).CopyTo(buffer.Span);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous reads block on the fetch. The runtime reads these streams asynchronously; this is for callers that
    // cannot (a synchronous API taking a Stream), and for SQLite the fetch completes synchronously anyway.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => _length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    private int ExpectedLength(int index) => (int)Math.Min(ChunkSize, _length - ((long)index * ChunkSize));

    private WorkspaceFileChangedException Changed() => new(_path);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
