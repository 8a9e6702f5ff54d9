using AgentRuntime.Sandboxes;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// A bench stand-in for a sandbox provider: its sandboxes hold no files and run no processes, so starting one costs
/// nothing and the workspace and transcript scans after a turn find nothing to store.
/// </summary>
internal sealed class NullSandboxProvider : ISandboxProvider
{
    public string Name => "bench-null";

    public SandboxEnforcement Enforcement { get; } = new() { Notes = ["A bench stand-in: nothing runs, nothing is isolated."] };

    public Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<ISandbox>(new NullSandbox(request.SessionId));

    private sealed class NullSandbox(string id) : ISandbox
    {
        private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id => id;

        public string WorkspacePath => "/workspace";

        public string HomePath => "/home/agent";

        public Uri? ModelProxyUrl => null;

        public Uri? EgressProxyUrl => null;

        public Task Terminated => _terminated.Task;

        public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken) =>
            Task.FromException<ISandboxProcess>(new SandboxException("The bench sandbox runs no processes."));

        public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

        public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SandboxFileEntry>>([]);

        public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public Task TerminateAsync(CancellationToken cancellationToken)
        {
            _terminated.TrySetResult();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => new(TerminateAsync(CancellationToken.None));
    }
}
