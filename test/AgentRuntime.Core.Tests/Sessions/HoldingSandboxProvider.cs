using AgentRuntime.Sandboxes;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>Where <see cref="HoldingSandboxProvider"/> holds a session's turn.</summary>
public enum TurnHold
{
    /// <summary>While its sandbox is being created: the turn holds the tenant's slot, and no sandbox is open yet.</summary>
    SandboxStart,

    /// <summary>In the echo agent's first read of its transcript: the sandbox is running and the agent is mid-turn.</summary>
    Agent,
}

/// <summary>
/// Real sandboxes from <paramref name="inner"/>, except that one chosen session's turn waits at a <see cref="TurnHold"/>
/// until it is cancelled, holding the tenant's turn and sandbox leases for as long as the test needs. Holding in the
/// sandbox rather than in the agent keeps the test off the agent connection's shape: the echo agent runs unchanged.
/// </summary>
internal sealed class HoldingSandboxProvider(ISandboxProvider inner) : ISandboxProvider
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _heldSessionId;
    private TurnHold _hold;

    /// <summary>Completes once the held session's turn is waiting at its hold.</summary>
    public Task Reached => _reached.Task;

    public string Name => inner.Name;

    public SandboxEnforcement Enforcement => inner.Enforcement;

    /// <summary>Holds the next turn of <paramref name="sessionId"/> at <paramref name="at"/>.</summary>
    public void Hold(string sessionId, TurnHold at)
    {
        _hold = at;
        _heldSessionId = sessionId;
    }

    public async Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        if (request.SessionId != _heldSessionId)
        {
            return await inner.CreateAsync(request, cancellationToken);
        }

        if (_hold == TurnHold.SandboxStart)
        {
            _reached.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return new HeldAgentSandbox(await inner.CreateAsync(request, cancellationToken), _reached);
    }

    /// <summary>A sandbox whose first read of the echo agent's transcript waits until the turn is cancelled.</summary>
    private sealed class HeldAgentSandbox(ISandbox inner, TaskCompletionSource reached) : ISandbox
    {
        private int _held;

        public string Id => inner.Id;

        public string WorkspacePath => inner.WorkspacePath;

        public string HomePath => inner.HomePath;

        public Uri? ModelProxyUrl => inner.ModelProxyUrl;

        public Uri? EgressProxyUrl => inner.EgressProxyUrl;

        public Task Terminated => inner.Terminated;

        public async Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
        {
            // Once only: the transcript is read again when the cancelled turn persists what it left.
            if (root == SandboxRoot.Home && relativePath == EchoArchitecture.TranscriptPath && Interlocked.Exchange(ref _held, 1) == 0)
            {
                reached.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await inner.ReadFileAsync(root, relativePath, cancellationToken);
        }

        // The rest goes to the real sandbox as it is, its own overrides of the interface's defaults included.
        public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken) => inner.StartProcessAsync(spec, cancellationToken);

        public Task<Stream?> OpenReadAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => inner.OpenReadAsync(root, relativePath, cancellationToken);

        public Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken) =>
            inner.ReadFileRangeAsync(root, relativePath, offset, maxBytes, cancellationToken);

        public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            inner.WriteFileAsync(root, relativePath, content, cancellationToken);

        public Task WriteFileAsync(SandboxRoot root, string relativePath, Stream content, CancellationToken cancellationToken) =>
            inner.WriteFileAsync(root, relativePath, content, cancellationToken);

        public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => inner.DeleteFileAsync(root, relativePath, cancellationToken);

        public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
            inner.ListFilesAsync(root, relativeDirectory, cancellationToken);

        public Task<SandboxFileScan> ScanFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
            inner.ScanFilesAsync(root, relativeDirectory, cancellationToken);

        public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

        public Task TerminateAsync(CancellationToken cancellationToken) => inner.TerminateAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
