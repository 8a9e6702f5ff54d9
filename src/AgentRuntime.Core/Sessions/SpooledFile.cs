using System.Buffers;
using System.Security.Cryptography;
using AgentRuntime.Hosting;

namespace AgentRuntime.Sessions;

/// <summary>
/// A workspace file's content copied once out of its source (the sandbox, a request body) with its size and SHA-256
/// taken during the copy. Small content (what a file event can carry) stays in memory; anything larger goes to a
/// private temporary file, deleted when this is disposed, so memory stays flat whatever the file's size.
/// </summary>
/// <remarks>
/// Copying first, rather than hashing the source and then reading it again into the store, gives a size, hash and
/// content that agree even while the agent is still writing the file: the store gets exactly the bytes that were
/// hashed. It also keeps the store's write transaction as short as a local file read, not as long as a client upload.
/// </remarks>
internal sealed class SpooledFile : IAsyncDisposable
{
    private const int CopyBufferSize = 81920;

    private readonly byte[]? _memory;
    private readonly FileStream? _file;

    private SpooledFile(byte[]? memory, FileStream? file, long length, string hash)
    {
        _memory = memory;
        _file = file;
        Length = length;
        Hash = hash;
    }

    public long Length { get; }

    /// <summary>SHA-256, lower-case hex, as <see cref="FileEvents.Hash"/> computes it.</summary>
    public string Hash { get; }

    /// <summary>The whole content when it is at most <see cref="FileEvents.InlineLimit"/> bytes, else <see langword="null"/>.</summary>
    public byte[]? SmallContent => Length <= FileEvents.InlineLimit ? _memory : null;

    /// <summary>Where spooled files go: <c>tmp/</c> under the data directory, made private (0700) when created.</summary>
    public static string DirectoryFor(AgentRuntimeOptions options) => Path.Combine(options.GetFullDataDirectory(), "tmp");

    /// <summary>Content already in memory (a profile's text files), which needs no copy.</summary>
    public static SpooledFile FromBytes(byte[] content) => new(content, null, content.Length, FileEvents.Hash(content));

    /// <summary>
    /// Copies <paramref name="source"/> from its position to its end, or returns <see langword="null"/> as soon as it
    /// has more than <paramref name="maxBytes"/> bytes.
    /// </summary>
    public static async Task<SpooledFile?> CopyAsync(Stream source, long maxBytes, string directory, CancellationToken cancellationToken)
    {
        await using var writer = new Writer(maxBytes, directory);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (!await writer.AppendAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }

            return await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Builds a spooled copy from pieces as they come (a request body, an upload arriving from another node), hashing
    /// as it goes: in memory while the content could still fit a file event, in a private temporary file past that.
    /// Disposing it before <see cref="CompleteAsync"/> drops what it has.
    /// </summary>
    public sealed class Writer(long maxBytes, string directory) : IAsyncDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[]? _head = new byte[FileEvents.InlineLimit];
        private FileStream? _file;
        private bool _completed;

        /// <summary>The bytes taken so far.</summary>
        public long Length { get; private set; }

        /// <summary>Takes the next piece; false (and nothing taken) once the content would pass the size limit.</summary>
        public async ValueTask<bool> AppendAsync(ReadOnlyMemory<byte> piece, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (Length + piece.Length > maxBytes)
            {
                return false;
            }

            _hash.AppendData(piece.Span);
            if (_head is not null && Length + piece.Length <= _head.Length)
            {
                piece.CopyTo(_head.AsMemory((int)Length));
            }
            else
            {
                if (_file is null)
                {
                    // Past what a file event carries: what is in memory moves to disk, and the rest follows it there.
                    _file = CreateTemporaryFile(directory);
                    await _file.WriteAsync(_head.AsMemory(0, (int)Length), cancellationToken).ConfigureAwait(false);
                    _head = null;
                }

                await _file.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
            }

            Length += piece.Length;
            return true;
        }

        /// <summary>The spooled copy of everything taken; the writer is done (its file now belongs to the copy).</summary>
        public async Task<SpooledFile> CompleteAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            _completed = true;
            var hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (_file is null)
            {
                return new SpooledFile(_head![..(int)Length], null, Length, hash);
            }

            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            var file = _file;
            _file = null;
            return new SpooledFile(null, file, Length, hash);
        }

        /// <summary>Drops a copy never completed (its temporary file is deleted with it).</summary>
        public async ValueTask DisposeAsync()
        {
            _completed = true;
            _hash.Dispose();
            if (_file is not null)
            {
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
            }
        }
    }

    /// <summary>The content from its start. The stream belongs to this object: read it, do not dispose it.</summary>
    public Stream Rewind()
    {
        if (_file is not null)
        {
            _file.Position = 0;
            return _file;
        }

        return new MemoryStream(_memory!, writable: false);
    }

    public ValueTask DisposeAsync() => _file?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// A new temporary file in <paramref name="directory"/> (made 0700 if missing): owner-only, opened for asynchronous
    /// I/O, and unlinked by the close (DeleteOnClose), so it is gone when disposed; only a crash can leave one behind,
    /// in a directory the runtime alone reads.
    /// </summary>
    public static FileStream CreateTemporaryFile(string directory, string prefix = "spool")
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
        };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(directory, $"{prefix}-{Guid.NewGuid():N}.tmp"), options);
    }
}
