using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Claude.Tests.Profiles;

/// <summary>
/// A sandbox that records what it is asked to run and write: processes exit with <see cref="ExitCode"/> at once, and a
/// write to <see cref="LinkedPath"/> fails as the local sandbox fails a path through a link.
/// </summary>
internal sealed class ScriptedSandbox : ISandbox
{
    public List<SandboxProcessSpec> Processes { get; } = [];

    public Dictionary<string, byte[]> Written { get; } = [];

    public int ExitCode { get; init; }

    public string StandardError { get; init; } = "";

    public string? LinkedPath { get; init; }

    public string Id => "scripted";

    public string WorkspacePath => "/workspace";

    public string HomePath => "/home/agent";

    public Uri? ModelProxyUrl => null;

    public Uri? EgressProxyUrl => null;

    public Task Terminated => Task.CompletedTask;

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken)
    {
        Processes.Add(spec);
        return Task.FromResult<ISandboxProcess>(new ExitedProcess(ExitCode, StandardError));
    }

    public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (relativePath == LinkedPath)
        {
            throw new ArgumentException($"The path '{relativePath}' is or goes through a symbolic link; links in a sandbox are not followed.", nameof(relativePath));
        }

        Written[relativePath] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public Task TerminateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class ExitedProcess(int exitCode, string standardError) : ISandboxProcess
    {
        public int ProcessId => 1;

        public Stream StandardInput { get; } = new MemoryStream();

        public Stream StandardOutput { get; } = new MemoryStream();

        public Stream StandardError { get; } = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(standardError));

        public Task<int> Exited { get; } = Task.FromResult(exitCode);

        public void Kill()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
