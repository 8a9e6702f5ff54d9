using System.Diagnostics;
using System.Threading.Channels;
using AgentRuntime.Approvals;
using AgentRuntime.Architectures;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

/// <summary>
/// One loaded session. Who may touch what, and when (docs/architecture.md, "Sessions", says the same):
/// <list type="bullet">
/// <item>The loop alone changes the session's state — its record, its runtime (the sandbox's status), its turn state
/// and last activity. Every client command (a message, a file write or delete, a budget, unload, delete) and every
/// report (a turn's outcome, a sandbox starting, started or gone, a timer firing) is a command on one channel, run one
/// at a time by the loop. Anyone may read that state: it is published as whole immutable values.</item>
/// <item>A turn (<see cref="TurnRunner"/>) runs beside the loop, so reads and the 409 for a second message stay
/// immediate. It changes none of that state: it waits on the loop for what must change while it runs (the sandbox
/// starting, started, ready), always with its own cancellation token since the loop may be waiting for it, and hands
/// its outcome to the loop, which appends the terminal event and marks the session idle in one command.</item>
/// <item>The sandbox, the agent connection and their leases and timers live in <see cref="SessionSandbox"/>. Starting,
/// connecting and closing them belong to the turn while one runs and to the loop otherwise: the loop closes only when no
/// turn runs (idle, unhealthy, dead, after a failed turn) or after cancelling and awaiting the turn (unload, delete).
/// Beside a turn the loop only probes health and writes or deletes a client's files, which the component makes safe
/// to do alongside the turn's workspace scans.</item>
/// <item>The actor writes its session's log only while it is the session's one writer. When the store refuses an
/// append because another writer appended (<see cref="EventLogConflictException"/>), the log is fenced
/// (<see cref="SessionEventLog"/>) and the actor stops writing: the running turn is cancelled and ends without logging
/// anything or storing its transcript and workspace, the sandbox is closed, the status of its sandbox and of the unload
/// are no longer logged, and commands that would write fail with that exception. The actor is then idle and unloads as
/// any other; whoever loads the session next, on whatever node, reads the log as the other writer left it.</item>
/// </list>
/// </summary>
internal sealed partial class SessionActor : IAsyncDisposable
{
    private readonly SessionServices _services;
    private readonly IAgentArchitecture _architecture;
    private readonly Channel<Func<Task>> _commands = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly ILogger _logger;
    private readonly TranscriptSync _transcripts;
    private readonly SessionSandbox _sandbox;
    private readonly SessionApprovals _approvals;

    // Loop-only state.
    private Task? _turn;
    private string? _turnId;
    private TurnTelemetry? _turnTelemetry;
    private CancellationTokenSource? _turnCancellation;
    private System.Threading.RateLimiting.RateLimitLease? _turnLease;
    private bool _stopped;

    // Written by the loop only, read by anyone (the turn, the sandbox, the manager): whole immutable values.
    private volatile SessionRecord _record;
    private volatile SessionRuntime _runtime = new() { IsLoaded = true };
    private volatile TurnState _turnState = TurnState.Idle;
    private long _lastActivityTicks;

    private SessionActor(SessionRecord record, IAgentArchitecture architecture, SessionServices services)
    {
        _record = record;
        _architecture = architecture;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger<SessionActor>();
        Log = new SessionEventLog(record.SessionId, services.Store, services.Committer, services.Time, fenced: () => Post(StopWritingAsync));
        _transcripts = new TranscriptSync(record.SessionId, services.Store);
        _sandbox = new SessionSandbox(record.SessionId, this, Log, _transcripts, architecture, services);
        _approvals = new SessionApprovals(record.SessionId, Log, services.Time, services.Options.ApprovalTimeout, ApprovalsChanged, _logger);
        LastActivity = record.LastActivity;
        // The loop outlives whatever loaded the session: it must not carry that request's span and log scopes along.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunLoopAsync);
        }
    }

    public string SessionId => _record.SessionId;

    /// <summary>The tenant that owns the session.</summary>
    public string TenantId => _record.TenantId;

    public SessionEventLog Log { get; }

    public DateTimeOffset LastActivity
    {
        get => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);
        private set => Interlocked.Exchange(ref _lastActivityTicks, value.UtcTicks);
    }

    /// <summary>Whether a sandbox of the session is running.</summary>
    public bool HasLiveSandbox => _sandbox.Current is not null;

    /// <summary>Whether a turn is running (or waiting for an approval).</summary>
    public bool HasTurn => _turnState != TurnState.Idle;

    public bool HasSandboxOrTurn => _turnState != TurnState.Idle || _runtime.Sandbox is { Status: not SandboxStatus.Terminated };

    /// <summary>Loads a session's log and starts its actor.</summary>
    public static async Task<SessionActor> LoadAsync(SessionRecord record, IAgentArchitecture architecture, SessionServices services, CancellationToken cancellationToken, string? node = null)
    {
        var actor = new SessionActor(record, architecture, services);
        actor._runtime = actor._runtime with { Node = node };
        await actor.Log.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (actor.Log.LastSeq == 0)
        {
            await actor.ImportTranscriptAsync(cancellationToken).ConfigureAwait(false);
        }

        await actor.RecoverInterruptedTurnAsync(cancellationToken).ConfigureAwait(false);
        return actor;
    }

    public SessionListItem ToListItem() => SessionListItems.From(_record, LastActivity, _turnState, _runtime);

    /// <summary>Stops everything and removes the session's data.</summary>
    public Task DeleteAsync() => InvokeAsync(async () =>
    {
        await StopAsync(emitStatus: false).ConfigureAwait(false);
        await _services.Store.DeleteSessionAsync(SessionId, CancellationToken.None).ConfigureAwait(false);
        return true;
    });

    /// <summary>
    /// Stops the turn and the sandbox, persists what is left and leaves memory; the session stays stored. With
    /// <paramref name="detach"/> (the server stops) a sandbox that can outlive the server is left running.
    /// </summary>
    public Task UnloadAsync(bool detach = false) => InvokeAsync(async () =>
    {
        await StopAsync(emitStatus: true, detach).ConfigureAwait(false);
        return true;
    });

    /// <summary>
    /// Unloads the session for another node to take (this one is draining): with no turn running, its sandbox stopped
    /// (or detached, where it can outlive this node), and its subscribers told it moved, so they follow it.
    /// </summary>
    public Task HandOverAsync() => InvokeAsync(async () =>
    {
        await StopAsync(emitStatus: true, detach: true, closeReason: new SessionMovedException(SessionId)).ConfigureAwait(false);
        return true;
    });

    /// <summary>Unloads the session as the server stops: a sandbox that can outlive the server is kept for the next one.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await UnloadAsync(detach: true).ConfigureAwait(false);
        }
        catch (SessionNotFoundException)
        {
            // Deleted or unloaded already.
        }

        _commands.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private Task<T> InvokeAsync<T>(Func<Task<T>> command)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A command continues its caller's span (a client's request, the turn), not the loop's: its appends and the
        // turn it may start belong there.
        var caller = Activity.Current;
        var accepted = _commands.Writer.TryWrite(async () =>
        {
            Activity.Current = caller is { IsStopped: false } ? caller : null;
            try
            {
                if (_stopped)
                {
                    throw new SessionNotFoundException(SessionId);
                }

                completion.TrySetResult(await command().ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        if (!accepted)
        {
            completion.TrySetException(new SessionNotFoundException(SessionId));
        }

        return completion.Task;
    }

    /// <summary>Runs a command on the loop and waits for it, or for <paramref name="cancellationToken"/>.</summary>
    private Task RunOnLoopAsync(Func<Task> command, CancellationToken cancellationToken) => InvokeAsync(async () =>
    {
        await command().ConfigureAwait(false);
        return true;
    }).WaitAsync(cancellationToken);

    private void Post(Func<Task> command) => _ = RunOnLoopAsync(command, CancellationToken.None);

    private async Task RunLoopAsync()
    {
        using var scope = SessionLogScopes.BeginSession(_logger, SessionId, TenantId);
        await foreach (var command in _commands.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await command().ConfigureAwait(false);
        }
    }

    private async Task StopAsync(bool emitStatus, bool detach = false, Exception? closeReason = null)
    {
        if (_stopped)
        {
            return;
        }

        _sandbox.DisarmIdleTimer();
        if (_turn is { } turn)
        {
            await _approvals.DenyAllAsync("unload", "The session was unloaded while the approval waited.").ConfigureAwait(false);
            // The turn's outcome, posted behind this command, finds the session stopped: the turn stays open in the log
            // and is closed as interrupted when the session is next loaded.
            await _turnCancellation!.CancelAsync().ConfigureAwait(false);
            await turn.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            _turnTelemetry?.End("failed", "cancelled");
            EndTurn();
        }

        await CloseSandboxAsync(emitStatus, detach).ConfigureAwait(false);
        _sandbox.ReleaseSlotIfClosed();
        if (emitStatus)
        {
            _runtime = _runtime with { IsLoaded = false, Node = null };
            await AppendStatusAsync().ConfigureAwait(false);
        }

        _stopped = true;
        Log.Close(closeReason);
    }

    /// <summary>
    /// Logs the runtime's status, unless the log is fenced: a fenced actor's status is nobody's business, and its
    /// sandbox closing and its unload must not fail for want of a log.
    /// </summary>
    private async Task AppendStatusAsync()
    {
        try
        {
            await Log.AppendAsync(new StatusEvent { Runtime = _runtime }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (EventLogConflictException)
        {
            // Fenced (now or before): StopWritingAsync, posted by the log, ends what still runs.
        }
    }

    /// <summary>Refuses a client's command that would write, once the log is fenced.</summary>
    private void ThrowIfFenced()
    {
        if (Log.Refusal() is { } refusal)
        {
            throw refusal;
        }
    }

    /// <summary>
    /// The log is fenced: another writer appended to the session's log. A running turn is cancelled (it ends without
    /// logging, see <see cref="FinishTurnAsync"/>); with none, the sandbox is closed now. Either way the actor is then
    /// idle, and unloads as any idle session does.
    /// </summary>
    private async Task StopWritingAsync()
    {
        LogFenced(SessionId);
        if (_stopped)
        {
            return;
        }

        _sandbox.DisarmIdleTimer();
        if (_turnCancellation is { } turn)
        {
            await turn.CancelAsync().ConfigureAwait(false);
            return;
        }

        await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        PublishListChange();
    }

    private void Touch()
    {
        LastActivity = _services.Time.GetUtcNow();
        _record = _record with { LastActivity = LastActivity };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: another writer appended to the session's log; this node stops writing it")]
    private partial void LogFenced(string sessionId);

    private void PublishListChange() =>
        _services.ListFeed.Publish(new SessionListChange { Kind = SessionListChangeKind.Updated, SessionId = SessionId, TenantId = TenantId, Session = ToListItem() });
}
