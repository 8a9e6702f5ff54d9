using System.Globalization;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

// The loop's side of the sandbox: what its reports change in the session's runtime, and when the loop closes it.
internal sealed partial class SessionActor : ISessionSandboxHost
{
    SessionRecord ISessionSandboxHost.Record => _record;

    SessionOptions ISessionSandboxHost.Options => Log.Read(p => p.Options);

    Task ISessionSandboxHost.SandboxStartingAsync(int restartCount, CancellationToken cancellationToken) =>
        // The provider assigns the id, so a starting sandbox has none yet.
        RunOnLoopAsync(() => SetSandboxAsync(new SandboxInfo { SandboxId = "", Status = SandboxStatus.Starting, RestartCount = restartCount }), cancellationToken);

    Task ISessionSandboxHost.SandboxStartedAsync(string sandboxId, int restartCount, bool attached, CancellationToken cancellationToken) => RunOnLoopAsync(async () =>
    {
        // A re-attached sandbox is the one already counted; its id is kept so the next restart finds it again.
        _record = attached
            ? _record with { SandboxId = sandboxId }
            : _record with { SandboxStartCount = _record.SandboxStartCount + 1, SandboxRestartCount = restartCount, SandboxId = sandboxId };
        await _services.Store.UpdateSessionAsync(_record, CancellationToken.None).ConfigureAwait(false);
        _runtime = _runtime with { Sandbox = _runtime.Sandbox! with { SandboxId = sandboxId, RestartCount = restartCount } };
    }, cancellationToken);

    void ISessionSandboxHost.SandboxTerminated(ISandbox sandbox) => Post(() => OnSandboxTerminatedAsync(sandbox));

    void ISessionSandboxHost.IdleTimerFired() => Post(CloseIfIdleAsync);

    void ISessionSandboxHost.HealthTimerFired() => Post(CheckHealthAsync);

    // When the last progress update went out; progress comes as fast as a build logs, the clients get one a second.
    private DateTimeOffset _lastProgress;

    void ISessionSandboxHost.SandboxProgress(string message) => Post(async () =>
    {
        var now = _services.Time.GetUtcNow();
        if (_runtime.Sandbox is { Status: SandboxStatus.Starting } info && now - _lastProgress >= TimeSpan.FromSeconds(1))
        {
            _lastProgress = now;
            await SetSandboxAsync(info with { Progress = message.Length > 500 ? message[..500] : message }).ConfigureAwait(false);
        }
    });

    void ISessionSandboxHost.EgressDenied(string host, int port) => Post(async () =>
    {
        var block = new SystemBlock
        {
            Id = $"network-denied-{Guid.NewGuid():N}",
            Timestamp = _services.Time.GetUtcNow(),
            Subtype = "network_denied",
            Message = $"The sandbox's network policy does not allow {host}:{port.ToString(CultureInfo.InvariantCulture)}; the connection was refused.",
            Metadata = new System.Text.Json.Nodes.JsonObject { ["host"] = host, ["port"] = port },
        };
        await Log.AppendAsync(
        [
            new BlockStartEvent { ConversationId = Conversations.Main, Block = block },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block },
        ], CancellationToken.None).ConfigureAwait(false);
    });

    /// <summary>
    /// Reports a starting sandbox ready: once its agent is connected (ready to take work, as clients show it), or once
    /// the turn is over if the agent could not start, since the sandbox itself is up.
    /// </summary>
    private async Task MarkSandboxReadyAsync()
    {
        if (_sandbox.IsOpen && _runtime.Sandbox is { Status: SandboxStatus.Starting } info)
        {
            await SetSandboxAsync(info with { Status = SandboxStatus.Ready, LastHealthCheck = _services.Time.GetUtcNow(), Progress = null }).ConfigureAwait(false);
        }
    }

    private async Task SetSandboxAsync(SandboxInfo info)
    {
        _runtime = _runtime with { Sandbox = info };
        await AppendStatusAsync().ConfigureAwait(false);
        PublishListChange();
    }

    /// <summary>Closes the sandbox; only with no turn running, or after the turn was cancelled and awaited.</summary>
    private async Task CloseSandboxAsync(bool emitStatus, bool detach = false)
    {
        if (!await _sandbox.CloseAsync(detach).ConfigureAwait(false))
        {
            return;
        }

        // A turn that failed to start a sandbox still holds the slot until it ends.
        if (_turn is null)
        {
            _sandbox.ReleaseSlotIfClosed();
        }

        if (_runtime.Sandbox is { } info)
        {
            var terminated = info with { Status = SandboxStatus.Terminated };
            if (emitStatus)
            {
                await SetSandboxAsync(terminated).ConfigureAwait(false);
            }
            else
            {
                _runtime = _runtime with { Sandbox = terminated };
            }
        }
    }

    private async Task CloseIfIdleAsync()
    {
        if (_turn is null && !_stopped && _services.Time.GetUtcNow() - LastActivity >= _services.Options.SandboxIdleTimeout)
        {
            LogSandboxIdle(SessionId);
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        }
    }

    /// <summary>Probes the sandbox, beside a turn if one runs; retires an unhealthy one only between turns.</summary>
    private async Task CheckHealthAsync()
    {
        if (_stopped || _runtime.Sandbox is not { } info || await _sandbox.CheckHealthAsync().ConfigureAwait(false) is not { } healthy)
        {
            return;
        }

        // An agent that died between turns leaves a sandbox nobody is using; like one that died mid-turn, it is retired.
        var agentDied = _turn is null && _sandbox.AgentExited;
        var status = healthy && !agentDied ? SandboxStatus.Ready : SandboxStatus.Unhealthy;
        if (status != info.Status)
        {
            await SetSandboxAsync(info with { Status = status, LastHealthCheck = _services.Time.GetUtcNow() }).ConfigureAwait(false);
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
        if (_stopped || !_sandbox.Holds(sandbox))
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} sandbox idle; closing it")]
    private partial void LogSandboxIdle(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} sandbox {SandboxId} terminated on its own")]
    private partial void LogSandboxDied(string sessionId, string sandboxId);
}
