using System.Threading.Channels;
using AgentRuntime.Architectures;
using AgentRuntime.Events;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

/// <summary>
/// One loaded session. Every command that changes the session (send a message, finish a turn, close an idle sandbox,
/// delete, unload) goes through one channel and runs on one loop, so the session has a single writer. A turn runs
/// beside the loop; while it runs, only the turn touches the sandbox and the agent connection, and the loop reaches
/// them only after cancelling and awaiting it.
/// </summary>
internal sealed partial class SessionActor : IAsyncDisposable
{
    private readonly SessionServices _services;
    private readonly IAgentArchitecture _architecture;
    private readonly Channel<Func<Task>> _commands = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly ILogger _logger;
    private readonly TranscriptSync _transcripts;
    private readonly WorkspaceSync _workspace;

    // Loop-owned state.
    private SessionRecord _record;
    private Task? _turn;
    private CancellationTokenSource? _turnCancellation;
    private System.Threading.RateLimiting.RateLimitLease? _turnLease;
    private ITimer? _idleTimer;
    private bool _stopped;

    // Written on the loop (or by the turn while it owns them), read by anyone: published as whole immutable values.
    private volatile SessionRuntime _runtime = new() { IsLoaded = true };
    private volatile TurnState _turnState = TurnState.Idle;

    private SessionActor(SessionRecord record, IAgentArchitecture architecture, SessionServices services)
    {
        _record = record;
        _architecture = architecture;
        _services = services;
        _logger = services.LoggerFactory.CreateLogger<SessionActor>();
        Log = new SessionEventLog(record.SessionId, services.Store, services.Committer, services.Time);
        _transcripts = new TranscriptSync(record.SessionId, services.Store);
        _workspace = new WorkspaceSync(record.SessionId, services.Store, services.Time, SpooledFile.DirectoryFor(services.Options));
        LastActivity = record.LastActivity;
        _loop = Task.Run(RunLoopAsync);
    }

    public string SessionId => _record.SessionId;

    /// <summary>The tenant that owns the session.</summary>
    public string TenantId => _record.TenantId;

    public SessionEventLog Log { get; }

    public DateTimeOffset LastActivity { get; private set; }

    public bool HasSandboxOrTurn => _turnState == TurnState.Running || _runtime.Sandbox is { Status: not SandboxStatus.Terminated };

    /// <summary>Loads a session's log and starts its actor.</summary>
    public static async Task<SessionActor> LoadAsync(SessionRecord record, IAgentArchitecture architecture, SessionServices services, CancellationToken cancellationToken)
    {
        var actor = new SessionActor(record, architecture, services);
        await actor.Log.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (actor.Log.LastSeq == 0)
        {
            await actor.ImportTranscriptAsync(cancellationToken).ConfigureAwait(false);
        }

        await actor.RecoverInterruptedTurnAsync(cancellationToken).ConfigureAwait(false);
        return actor;
    }

    public SessionListItem ToListItem() => SessionListItems.From(_record, LastActivity, _turnState, _runtime);

    /// <summary>Starts a turn; returns its id once the turn is running.</summary>
    public Task<string> SendMessageAsync(string content) => InvokeAsync(() =>
    {
        if (_turn is not null)
        {
            throw new TurnInProgressException(SessionId);
        }

        // The tenant's limits first, so a refused message starts nothing.
        var turnLease = _services.Limits.AcquireTurn(TenantId);
        try
        {
            _sandboxLease ??= _sandbox is { Terminated.IsCompleted: false } ? null : _services.Limits.AcquireSandbox(TenantId);
        }
        catch
        {
            turnLease.Dispose();
            throw;
        }

        _turnLease = turnLease;
        var turnId = Guid.NewGuid().ToString("N");
        _turnCancellation = new CancellationTokenSource();
        _turnState = TurnState.Running;
        Touch();
        _idleTimer?.Dispose();
        var token = _turnCancellation.Token;
        _turn = Task.Run(() => RunTurnAsync(turnId, content, token));
        PublishListChange();
        return Task.FromResult(turnId);
    });

    /// <summary>Stops everything and removes the session's data.</summary>
    public Task DeleteAsync() => InvokeAsync(async () =>
    {
        await StopAsync(emitStatus: false).ConfigureAwait(false);
        await _services.Store.DeleteSessionAsync(SessionId, CancellationToken.None).ConfigureAwait(false);
        return true;
    });

    /// <summary>Stops the turn and the sandbox, persists what is left and leaves memory; the session stays stored.</summary>
    public Task UnloadAsync() => InvokeAsync(async () =>
    {
        await StopAsync(emitStatus: true).ConfigureAwait(false);
        return true;
    });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await UnloadAsync().ConfigureAwait(false);
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
        var accepted = _commands.Writer.TryWrite(async () =>
        {
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

    private void Post(Func<Task> command) => InvokeAsync(async () =>
    {
        await command().ConfigureAwait(false);
        return true;
    });

    private async Task RunLoopAsync()
    {
        await foreach (var command in _commands.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await command().ConfigureAwait(false);
        }
    }

    private async Task StopAsync(bool emitStatus)
    {
        if (_stopped)
        {
            return;
        }

        _idleTimer?.Dispose();
        if (_turn is { } turn)
        {
            await _turnCancellation!.CancelAsync().ConfigureAwait(false);
            await turn.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        await CloseSandboxAsync(emitStatus).ConfigureAwait(false);
        if (emitStatus)
        {
            _runtime = _runtime with { IsLoaded = false };
            await Log.AppendAsync(new StatusEvent { Runtime = _runtime }, CancellationToken.None).ConfigureAwait(false);
        }

        _stopped = true;
        Log.Close();
    }

    private void Touch()
    {
        LastActivity = _services.Time.GetUtcNow();
        _record = _record with { LastActivity = LastActivity };
    }

    private void PublishListChange() =>
        _services.ListFeed.Publish(new SessionListChange { Kind = SessionListChangeKind.Updated, SessionId = SessionId, TenantId = TenantId, Session = ToListItem() });

    private async Task ImportTranscriptAsync(CancellationToken cancellationToken)
    {
        // A session whose log is empty but whose agent transcript is stored (imported, or logged by an older server)
        // gets its blocks from the transcript, written to the log so that replay and live views agree from then on.
        var files = await _transcripts.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (files.Count == 0)
        {
            return;
        }

        var parsed = _architecture.ParseTranscript(files, _record);
        var events = new List<Events.SessionEvent>();
        foreach (var block in parsed.Blocks)
        {
            events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block });
        }

        foreach (var thread in parsed.Subagents)
        {
            events.AddRange(thread.Blocks.Select(b => new BlockCompleteEvent { ConversationId = thread.Id, BlockId = b.Id, Block = b }));
        }

        await Log.AppendAsync(events, cancellationToken).ConfigureAwait(false);
    }
}
