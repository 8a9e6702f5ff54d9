using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Claude.Tests.Cli;

/// <summary>A sandbox that only knows its paths, for code that never touches the sandbox itself.</summary>
internal sealed class PathOnlySandbox(string workspacePath = "/sandbox/workspace", string homePath = "/sandbox/home", Uri? modelProxyUrl = null) : ISandbox
{
    public string Id => "path-only";

    public string WorkspacePath { get; } = workspacePath;

    public string HomePath { get; } = homePath;

    public Uri? ModelProxyUrl { get; } = modelProxyUrl;

    public Uri? EgressProxyUrl => null;

    public Task Terminated => Task.CompletedTask;

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public Task TerminateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
