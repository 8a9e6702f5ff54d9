namespace AgentRuntime.Sandboxes;

/// <summary>
/// A running sandbox: a workspace and a home directory, and processes that run inside it.
/// Paths given to processes (<see cref="WorkspacePath"/>, <see cref="HomePath"/>) are as the processes see them;
/// file operations take paths relative to one of the two roots and never leave it.
/// </summary>
public interface ISandbox : IAsyncDisposable
{
    /// <summary>The provider's identifier of this sandbox.</summary>
    string Id { get; }

    /// <summary>The workspace directory as processes inside the sandbox see it; their working directory.</summary>
    string WorkspacePath { get; }

    /// <summary>The home directory as processes inside the sandbox see it.</summary>
    string HomePath { get; }

    /// <summary>
    /// Where processes inside reach the runtime's model proxy (<c>http://127.0.0.1:port</c> as they see it), or
    /// <see langword="null"/> when the sandbox has no way to the model (network <c>none</c>, or no gateway).
    /// </summary>
    Uri? ModelProxyUrl { get; }

    /// <summary>
    /// Where processes inside reach the runtime's egress proxy, for <c>HTTPS_PROXY</c>/<c>HTTP_PROXY</c>, or
    /// <see langword="null"/> when their network is not routed through it (<c>none</c>, <c>host</c>).
    /// </summary>
    Uri? EgressProxyUrl { get; }

    /// <summary>Completes when the sandbox stops, whether terminated or dead.</summary>
    Task Terminated { get; }

    /// <summary>Starts a process inside the sandbox with piped standard streams.</summary>
    Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken);

    /// <summary>Reads a whole (small) file, or returns <see langword="null"/> when it does not exist.</summary>
    Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken);

    /// <summary>Writes a file, creating its directories.</summary>
    Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a file for reading, or returns <see langword="null"/> when it does not exist. Use it for files of any size;
    /// the default reads the whole file through <see cref="ReadFileAsync"/>, which a provider should override.
    /// </summary>
    async Task<Stream?> OpenReadAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) =>
        await ReadFileAsync(root, relativePath, cancellationToken).ConfigureAwait(false) is { } content
            ? new MemoryStream(content, writable: false)
            : null;

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> bytes of a file from <paramref name="offset"/> on, with the file's
    /// length, or returns <see langword="null"/> when it does not exist; an offset at or past the end gives no bytes.
    /// The runtime follows files an agent appends to with it, reading only what is new, so a provider should read only
    /// the range. The default seeks the stream of <see cref="OpenReadAsync"/> (whose own default reads the whole file);
    /// a provider whose streams cannot seek must override it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="maxBytes"/> is negative.</exception>
    async Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var stream = await OpenReadAsync(root, relativePath, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            if (!stream.CanSeek)
            {
                throw new NotSupportedException($"{GetType().Name} opens files as streams that cannot seek; it must implement {nameof(ReadFileRangeAsync)}.");
            }

            var length = stream.Length;
            var content = new byte[(int)Math.Clamp(length - offset, 0, maxBytes)];
            stream.Position = Math.Min(offset, length);
            var read = await stream.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return new SandboxFileRange(content.AsMemory(0, read), length);
        }
    }

    /// <summary>
    /// Writes a file from a stream, read from its current position, creating its directories. The default buffers the
    /// stream and calls the byte-array overload, which a provider should override for large files.
    /// </summary>
    async Task WriteFileAsync(SandboxRoot root, string relativePath, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(root, relativePath, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a file; returns whether it existed.</summary>
    Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken);

    /// <summary>Lists the regular files under a directory of a root, recursively, with paths relative to the root.</summary>
    Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken);

    /// <summary>
    /// Lists like <see cref="ListFilesAsync"/>, and says which of the provider's bounds on a scan (files, depth, path
    /// length) left something out. A provider without such bounds reports none.
    /// </summary>
    Task<SandboxFileScan> ScanFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
        ScanByListingAsync(this, root, relativeDirectory, cancellationToken);

    /// <summary>Whether the sandbox can still run processes.</summary>
    Task<bool> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Stops every process of the sandbox and releases it. Idempotent.</summary>
    Task TerminateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Lets go of the sandbox when the server stops. A provider whose sandboxes outlive the server (Modal) leaves it
    /// running, so that the restarted server re-attaches (<see cref="ISandboxProvider.AttachAsync"/>); the default
    /// terminates it.
    /// </summary>
    Task DetachAsync(CancellationToken cancellationToken) => TerminateAsync(cancellationToken);

    private static async Task<SandboxFileScan> ScanByListingAsync(ISandbox sandbox, SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
        new(await sandbox.ListFilesAsync(root, relativeDirectory, cancellationToken).ConfigureAwait(false), []);
}

/// <summary>The two directory trees of a sandbox that the runtime reads and writes.</summary>
public enum SandboxRoot
{
    /// <summary>The session's workspace, the agent's working directory.</summary>
    Workspace,

    /// <summary>The agent's home directory, where CLIs keep their state and transcripts.</summary>
    Home,
}

/// <summary>A file in a sandbox.</summary>
/// <param name="RelativePath">Path relative to the root, with forward slashes.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="LastWriteTime">When it was last written.</param>
public sealed record SandboxFileEntry(string RelativePath, long Size, DateTimeOffset LastWriteTime);
