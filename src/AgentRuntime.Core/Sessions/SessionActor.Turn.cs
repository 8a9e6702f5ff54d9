using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionActor
{
    // Events the agent streams are appended in batches of whatever has arrived, at most this many at a time:
    // one store transaction per batch instead of one per text delta.
    private const int MaxBatch = 256;

    private async Task RunTurnAsync(string turnId, string content, CancellationToken cancellationToken)
    {
        TurnFailure? failure = null;
        TakeBudgetRefusal();
        lock (_noticesShown)
        {
            _noticesShown.Clear();
        }

        try
        {
            var now = _services.Time.GetUtcNow();
            var message = new UserMessageBlock { Id = $"user-{turnId}", Timestamp = now, Content = content };
            await Log.AppendAsync(
            [
                new TurnStartedEvent { TurnId = turnId },
                new BlockStartEvent { ConversationId = Conversations.Main, Block = message },
                new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = message.Id, Block = message },
            ], cancellationToken).ConfigureAwait(false);

            await EnsureSandboxAsync(cancellationToken).ConfigureAwait(false);
            var connection = await EnsureConnectionAsync(cancellationToken).ConfigureAwait(false);
            await MarkSandboxReadyAsync(cancellationToken).ConfigureAwait(false);
            await PumpAsync(connection.RunTurnAsync(new AgentTurn(turnId, WithInterruptedMessage(content)), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            failure = new TurnFailure("The turn was cancelled.", "cancelled");
        }
        catch (AgentException ex)
        {
            failure = new TurnFailure(ex.Message, ex.Code);
        }
        catch (SandboxException ex)
        {
            failure = new TurnFailure(ex.Message, "sandbox_error");
        }
        catch (Exception ex)
        {
            LogTurnCrashed(ex, SessionId, turnId);
            failure = new TurnFailure($"The turn failed unexpectedly: {ex.Message}", "internal_error");
        }

        if (TakeBudgetRefusal() is { } refusal)
        {
            // The agent saw only an API error; the runtime knows it was the budget, and says so whatever the agent made of it.
            failure = new TurnFailure(refusal, "budget_exceeded");
        }

        try
        {
            await PersistAfterTurnAsync().ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened after the agent finished, the turn ends, with exactly one terminal event.
            Post(() => FinishTurnAsync(turnId, failure));
        }
    }

    private async Task PumpAsync(IAsyncEnumerable<SessionEvent> events, CancellationToken cancellationToken)
    {
        var buffer = Channel.CreateBounded<SessionEvent>(new BoundedChannelOptions(4 * MaxBatch) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    await buffer.Writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
                }

                buffer.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                buffer.Writer.TryComplete(ex);
            }
        }, cancellationToken);

        var batch = new List<SessionEvent>(MaxBatch);
        try
        {
            while (await buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && buffer.Reader.TryRead(out var e))
                {
                    batch.Add(e);
                }

                await Log.AppendAsync(batch.ToList(), cancellationToken).ConfigureAwait(false);
                var toolFinished = batch.Any(e => e is BlockCompleteEvent { Block: ToolResultBlock } || (e is BlockUpdateEvent update && update.Updates.ContainsKey("status")));
                batch.Clear();
                if (toolFinished)
                {
                    // A finished tool call is when the agent's file changes become visible to clients.
                    await ScanWorkspaceAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await producer.ConfigureAwait(false);
        }
    }

    private async Task FinishTurnAsync(string turnId, TurnFailure? failure)
    {
        var events = new List<SessionEvent>();
        if (failure is not null)
        {
            // Tool calls and subagents left open by a failed turn will never finish; say so rather than leave them spinning.
            events.AddRange(FailureEvents(turnId, failure));
        }
        else
        {
            events.Add(new TurnCompletedEvent { TurnId = turnId });
        }

        await MarkSandboxReadyAsync(CancellationToken.None).ConfigureAwait(false);
        _turn = null;
        _turnLease?.Dispose();
        _turnLease = null;
        ReleaseSandboxLeaseIfClosed();
        _turnCancellation?.Dispose();
        _turnCancellation = null;
        _turnState = TurnState.Idle;
        Touch();
        // The agent's metadata carries usage and cost; the budget is the session's own and stays.
        _record = _record with { Metadata = (Log.Read(p => p.Metadata) ?? _record.Metadata) with { Budget = _record.Metadata.Budget } };
        try
        {
            await _services.Store.UpdateSessionAsync(_record, CancellationToken.None).ConfigureAwait(false);
            await Log.AppendAsync(events, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogPersistFailed(ex, SessionId);
        }

        if (failure is not null && _connection is { Exited.IsCompleted: true })
        {
            // The agent died mid-turn (killed, crashed): its sandbox may be in any state, so it is not reused. The next
            // message starts a fresh one with the workspace and the transcript restored.
            LogAgentDied(SessionId);
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        }

        ArmIdleTimer();
        PublishListChange();
    }

    private string ConversationOf(string blockId) => Log.Read(p =>
        p.Blocks.Any(b => b.Id == blockId) ? Conversations.Main : p.Subagents.FirstOrDefault(s => s.Blocks.Any(b => b.Id == blockId))?.Id ?? Conversations.Main);

    private async Task PersistAfterTurnAsync()
    {
        if (_sandbox is not { } sandbox || sandbox.Terminated.IsCompleted)
        {
            return;
        }

        // Persisting must not be cut short by the turn's cancellation, but must not hang a stopping session either.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _transcripts.SaveAsync(sandbox, _architecture.GetTranscriptDirectories(sandbox, _record), timeout.Token).ConfigureAwait(false);
            await SaveWorkspaceAsync(sandbox, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing the sandbox holds (a file swapped for a link, a tree too deep) may keep the turn from ending.
            LogPersistFailed(ex, SessionId);
        }
    }

    private async Task ScanWorkspaceAsync(CancellationToken cancellationToken)
    {
        if (_sandbox is { Terminated.IsCompleted: false } sandbox)
        {
            await SaveWorkspaceAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record TurnFailure(string Message, string Code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn {TurnId} of session {SessionId} failed unexpectedly")]
    private partial void LogTurnCrashed(Exception exception, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent of session {SessionId} died during a turn; closing its sandbox")]
    private partial void LogAgentDied(string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not persist the state of session {SessionId}")]
    private partial void LogPersistFailed(Exception exception, string sessionId);
}
