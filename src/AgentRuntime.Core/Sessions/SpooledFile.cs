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
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        FileStream? file = null;
        try
        {
            // The first InlineLimit + 1 bytes decide: a file that ends within them never touches the disk.
            var head = new byte[FileEvents.InlineLimit + 1];
            var headLength = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (headLength > maxBytes)
            {
                return null;
            }

            hash.AppendData(head, 0, headLength);
            if (headLength <= FileEvents.InlineLimit)
            {
                return new SpooledFile(head[..headLength], null, headLength, Convert.ToHexStringLower(hash.GetHashAndReset()));
            }

            file = CreateTemporaryFile(directory);
            await file.WriteAsync(head.AsMemory(0, headLength), cancellationToken).ConfigureAwait(false);
            long length = headLength;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    await file.DisposeAsync().ConfigureAwait(false);
                    return null;
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            var spooled = new SpooledFile(null, file, length, Convert.ToHexStringLower(hash.GetHashAndReset()));
            file = null;
            return spooled;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
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
