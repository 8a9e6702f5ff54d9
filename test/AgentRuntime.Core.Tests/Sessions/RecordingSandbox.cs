using AgentRuntime.Sandboxes;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>
/// A real sandbox seen through a spy: it records the reads the runtime makes, and can act as the agent between a
/// listing and the reads that follow it.
/// </summary>
internal sealed class RecordingSandbox(ISandbox inner) : ISandbox
{
    public List<RangeRead> RangeReads { get; } = [];

    /// <summary>Paths whose ranged read the sandbox refused as a bad path (a link, say).</summary>
    public List<string> RefusedReads { get; } = [];

    public int WholeReads { get; private set; }

    /// <summary>Runs once a listing is made, before it is returned.</summary>
    public Action? AfterListing { get; set; }

    public string Id => inner.Id;

    public string WorkspacePath => inner.WorkspacePath;

    public string HomePath => inner.HomePath;

    public Uri? ModelProxyUrl => inner.ModelProxyUrl;

    public Uri? EgressProxyUrl => inner.EgressProxyUrl;

    public Task Terminated => inner.Terminated;

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken) => inner.StartProcessAsync(spec, cancellationToken);

    public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        WholeReads++;
        return inner.ReadFileAsync(root, relativePath, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        WholeReads++;
        return inner.OpenReadAsync(root, relativePath, cancellationToken);
    }

    public async Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        SandboxFileRange? range;
        try
        {
            range = await inner.ReadFileRangeAsync(root, relativePath, offset, maxBytes, cancellationToken);
        }
        catch (ArgumentException)
        {
            RefusedReads.Add(relativePath);
            throw;
        }

        RangeReads.Add(new RangeRead(relativePath, offset, range?.Content.Length ?? 0));
        return range;
    }

    public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        inner.WriteFileAsync(root, relativePath, content, cancellationToken);

    public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => inner.DeleteFileAsync(root, relativePath, cancellationToken);

    public async Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken)
    {
        var files = await inner.ListFilesAsync(root, relativeDirectory, cancellationToken);
        AfterListing?.Invoke();
        return files;
    }

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

    public Task TerminateAsync(CancellationToken cancellationToken) => inner.TerminateAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A ranged read: where it started and how many bytes it returned (whatever was asked for).</summary>
internal sealed record RangeRead(string Path, long Offset, int Bytes);
