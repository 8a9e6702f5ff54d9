using AgentRuntime.Sandboxes;

namespace AgentRuntime.Sessions;

/// <summary>
/// What a <see cref="SessionSandbox"/> needs from its session: the stored record to read, and where to report. The
/// session applies every report on its loop, the only place its record and runtime state change.
/// </summary>
internal interface ISessionSandboxHost
{
    /// <summary>The session's record as last published by the loop.</summary>
    SessionRecord Record { get; }

    /// <summary>The session's options (its model and permission mode) as last updated.</summary>
    SessionOptions Options { get; }

    /// <summary>A sandbox is being started; returns once the loop has logged <c>status: starting</c>.</summary>
    Task SandboxStartingAsync(int restartCount, CancellationToken cancellationToken);

    /// <summary>A sandbox is up and restored; returns once the loop has counted it in the record.</summary>
    Task SandboxStartedAsync(string sandboxId, int restartCount, bool attached, CancellationToken cancellationToken);

    /// <summary>The sandbox ended, on purpose or not.</summary>
    void SandboxTerminated(ISandbox sandbox);

    /// <summary>The idle timer fired.</summary>
    void IdleTimerFired();

    /// <summary>The health timer fired.</summary>
    void HealthTimerFired();

    /// <summary>The provider reported progress while making the sandbox (any thread).</summary>
    void SandboxProgress(string message);

    /// <summary>The gateway refused a connection for the network policy.</summary>
    void EgressDenied(string host, int port);
}
