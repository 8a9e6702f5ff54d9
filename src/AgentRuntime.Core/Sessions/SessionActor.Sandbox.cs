using AgentRuntime.Architectures;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionActor
{
    private ISandbox? _sandbox;
    private IAgentConnection? _connection;
    private ITimer? _healthTimer;

    // The tenant's live-sandbox slot: taken when a message will start a sandbox, given back when it is gone.
    private System.Threading.RateLimiting.RateLimitLease? _sandboxLease;

    private async Task EnsureSandboxAsync(CancellationToken cancellationToken)
    {
        if (_sandbox is { Terminated.IsCompleted: false })
        {
            return;
        }

        await DisposeConnectionAsync().ConfigureAwait(false);
        var restartCount = _record.SandboxStartCount > 0 ? _record.SandboxRestartCount + 1 : 0;
        // The provider assigns the id, so a starting sandbox has none yet.
        await SetSandboxAsync(new SandboxInfo { SandboxId = "", Status = SandboxStatus.Starting, RestartCount = restartCount }, cancellationToken).ConfigureAwait(false);

        var profile = await GetProfileAsync(cancellationToken).ConfigureAwait(false);
        _workspaceLimits = (profile.WorkspaceLimits ?? WorkspaceLimits.Default).OrDefaults();
        CloseGatewayLease();
        var lease = OpenGatewayLease(profile);
        ISandbox sandbox;
        try
        {
            sandbox = await _services.SandboxProvider.CreateAsync(new SandboxRequest { SessionId = SessionId, Network = profile.Network, Bridge = lease }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }

        try
        {
            await _workspace.RestoreAsync(sandbox, cancellationToken).ConfigureAwait(false);
            await _transcripts.RestoreAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await sandbox.TerminateAsync(CancellationToken.None).ConfigureAwait(false);
            lease?.Dispose();
            throw;
        }

        _lease = lease;

        _sandbox = sandbox;
        _record = _record with { SandboxStartCount = _record.SandboxStartCount + 1, SandboxRestartCount = restartCount };
        await _services.Store.UpdateSessionAsync(_record, cancellationToken).ConfigureAwait(false);
        LogSandboxStarted(SessionId, sandbox.Id, restartCount);
        _ = sandbox.Terminated.ContinueWith(_ => Post(() => OnSandboxTerminatedAsync(sandbox)), TaskScheduler.Default);
        ArmHealthTimer();
        _runtime = _runtime with { Sandbox = _runtime.Sandbox! with { SandboxId = sandbox.Id } };
    }

    /// <summary>
    /// Reports a starting sandbox ready: once its agent is connected (ready to take work, as clients show it), or once
    /// the turn is over if the agent could not start, since the sandbox itself is up.
    /// </summary>
    private async Task MarkSandboxReadyAsync(CancellationToken cancellationToken)
    {
        if (_sandbox is not null && _runtime.Sandbox is { Status: SandboxStatus.Starting } info)
        {
            await SetSandboxAsync(info with { Status = SandboxStatus.Ready, LastHealthCheck = _services.Time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IAgentConnection> EnsureConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { Exited.IsCompleted: false } alive)
        {
            return alive;
        }

        await DisposeConnectionAsync().ConfigureAwait(false);
        var profile = await GetProfileAsync(cancellationToken).ConfigureAwait(false);
        _connection = await _architecture.ConnectAsync(new AgentConnectContext
        {
            Sandbox = _sandbox!,
            Session = _record,
            Profile = profile,
            Resume = _transcripts.HasFiles,
            ModelAccess = _sandbox!.ModelProxyUrl is null ? null : _lease,
        }, cancellationToken).ConfigureAwait(false);
        return _connection;
    }

    private async Task<AgentRuntime.Profiles.AgentProfile> GetProfileAsync(CancellationToken cancellationToken) =>
        await _services.Store.GetProfileAsync(_record.AgentProfileRef, cancellationToken).ConfigureAwait(false)
            ?? throw new AgentException($"The session's profile '{_record.AgentProfileRef}' no longer exists.", "profile_not_found");

    private async Task CloseSandboxAsync(bool emitStatus)
    {
        _healthTimer?.Dispose();
        await DisposeConnectionAsync().ConfigureAwait(false);
        if (_sandbox is not { } sandbox)
        {
            return;
        }

        _sandbox = null;
        await sandbox.TerminateAsync(CancellationToken.None).ConfigureAwait(false);
        CloseGatewayLease();
        ReleaseSandboxLeaseIfClosed();
        LogSandboxClosed(SessionId, sandbox.Id);
        if (_runtime.Sandbox is { } info)
        {
            var terminated = info with { Status = SandboxStatus.Terminated };
            if (emitStatus)
            {
                await SetSandboxAsync(terminated, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                _runtime = _runtime with { Sandbox = terminated };
            }
        }
    }

    /// <summary>Gives the tenant's sandbox slot back when no sandbox is alive (closed, or never started by a failed turn).</summary>
    private void ReleaseSandboxLeaseIfClosed()
    {
        if (_sandbox is null && _turn is null)
        {
            _sandboxLease?.Dispose();
            _sandboxLease = null;
        }
    }

    private async Task DisposeConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SetSandboxAsync(SandboxInfo info, CancellationToken cancellationToken)
    {
        _runtime = _runtime with { Sandbox = info };
        await Log.AppendAsync(new StatusEvent { Runtime = _runtime }, cancellationToken).ConfigureAwait(false);
        PublishListChange();
    }

    private void ArmIdleTimer()
    {
        _idleTimer?.Dispose();
        if (_sandbox is null)
        {
            return;
        }

        _idleTimer = _services.Time.CreateTimer(_ => Post(CloseIfIdleAsync), null, _services.Options.SandboxIdleTimeout, Timeout.InfiniteTimeSpan);
    }

    private async Task CloseIfIdleAsync()
    {
        if (_turn is null && !_stopped && _services.Time.GetUtcNow() - LastActivity >= _services.Options.SandboxIdleTimeout)
        {
            LogSandboxIdle(SessionId);
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        }
    }

    private void ArmHealthTimer()
    {
        _healthTimer?.Dispose();
        var interval = _services.Options.HealthCheckInterval;
        _healthTimer = _services.Time.CreateTimer(_ => Post(CheckHealthAsync), null, interval, interval);
    }

    private async Task CheckHealthAsync()
    {
        if (_sandbox is not { } sandbox || _stopped || _runtime.Sandbox is not { } info)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        bool healthy;
        try
        {
            healthy = await sandbox.CheckHealthAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxException or OperationCanceledException or IOException)
        {
            healthy = false;
        }

        // An agent that died between turns leaves a sandbox nobody is using; like one that died mid-turn, it is retired.
        var agentDied = _turn is null && _connection is { Exited.IsCompleted: true };
        var status = healthy && !agentDied ? SandboxStatus.Ready : SandboxStatus.Unhealthy;
        if (status != info.Status)
        {
            await SetSandboxAsync(info with { Status = status, LastHealthCheck = _services.Time.GetUtcNow() }, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            // A health check that changes nothing is not an event; it only refreshes what GET shows.
            _runtime = _runtime with { Sandbox = info with { LastHealthCheck = _services.Time.GetUtcNow() } };
        }

        if (status == SandboxStatus.Unhealthy && _turn is null)
        {
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        }
    }

    private async Task OnSandboxTerminatedAsync(ISandbox sandbox)
    {
        if (_stopped || !ReferenceEquals(_sandbox, sandbox))
        {
            return; // Closed on purpose; already reported.
        }

        LogSandboxDied(SessionId, sandbox.Id);
        if (_turn is not null)
        {
            // The running turn fails as its agent dies; it finds the sandbox terminated and the next turn starts a new one.
            return;
        }

        await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} started sandbox {SandboxId} (restart {RestartCount})")]
    private partial void LogSandboxStarted(string sessionId, string sandboxId, int restartCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} closed sandbox {SandboxId}")]
    private partial void LogSandboxClosed(string sessionId, string sandboxId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} sandbox idle; closing it")]
    private partial void LogSandboxIdle(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} sandbox {SandboxId} terminated on its own")]
    private partial void LogSandboxDied(string sessionId, string sandboxId);
}
