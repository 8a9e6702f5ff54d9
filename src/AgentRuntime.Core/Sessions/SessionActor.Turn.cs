using AgentRuntime.Approvals;
using AgentRuntime.Architectures;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionActor
{
    /// <summary>Starts a turn; returns its id once the turn is running.</summary>
    public Task<string> SendMessageAsync(string content, IReadOnlyList<Blocks.MessageImage> images) => InvokeAsync(() =>
    {
        if (_turn is not null)
        {
            throw new TurnInProgressException(SessionId);
        }

        ThrowIfFenced();

        // The tenant's limits first, so a refused message starts nothing.
        var turnLease = _services.Limits.AcquireTurn(TenantId);
        try
        {
            _sandbox.ReserveSlot(TenantId);
        }
        catch
        {
            turnLease.Dispose();
            throw;
        }

        _turnLease = turnLease;
        var turnId = Guid.NewGuid().ToString("N");
        _turnId = turnId;
        _interruptRequested = false;
        _turnCancellation = new CancellationTokenSource();
        _turnState = TurnState.Running;
        Touch();
        _sandbox.DisarmIdleTimer();
        // The turn's span is current from here: the turn's thread, started below, and the loop's commands it asks for.
        var telemetry = _turnTelemetry = TurnTelemetry.Start(_services.Telemetry, _services.Time, SessionId, TenantId, turnId, _architecture.Name);
        var runner = new TurnRunner(SessionId, Log, _sandbox, _approvals, cancellationToken => RunOnLoopAsync(MarkSandboxReadyAsync, cancellationToken), _services.Time, _logger, telemetry);
        var approvals = _approvals.ForTurn(turnId, CurrentRules);
        var interrupted = _interruptedMessage;
        var token = _turnCancellation.Token;
        _turn = Task.Run(() => RunTurnAsync(runner, new AgentTurn(turnId, content) { Approvals = approvals, Images = images }, interrupted, token));
        PublishListChange();
        return Task.FromResult(turnId);
    });

    private async Task RunTurnAsync(TurnRunner runner, AgentTurn turn, string? interrupted, CancellationToken cancellationToken)
    {
        var outcome = new TurnOutcome(new TurnFailure("The turn failed unexpectedly.", "internal_error"), HandedOverInterrupted: false);
        using var scope = SessionLogScopes.BeginTurn(_logger, turn.TurnId);
        try
        {
            outcome = await runner.RunAsync(turn, interrupted, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened after the agent finished, the turn ends, with exactly one terminal event.
            Post(() => FinishTurnAsync(turn.TurnId, outcome));
        }
    }

    private async Task FinishTurnAsync(string turnId, TurnOutcome outcome)
    {
        // Nobody can answer an approval of a turn that is over.
        await _approvals.DenyAllAsync("turn_end", "The turn ended before the approval was answered.").ConfigureAwait(false);
        var failure = outcome.Failure;
        var events = new List<SessionEvent>();
        var telemetry = _turnTelemetry;
        var (result, errorType) = ("completed", (string?)null);
        if (_interruptRequested && failure?.Code is not "budget_exceeded")
        {
            result = "interrupted";
            // Stopped as asked, even if the agent had to be stopped the hard way: what it left open is closed.
            events.AddRange(ClosingEvents());
            events.Add(new TurnCompletedEvent { TurnId = turnId, StopReason = "interrupted" });
        }
        else if (failure is not null)
        {
            (result, errorType) = ("failed", failure.Code);
            // Tool calls and subagents left open by a failed turn will never finish; say so rather than leave them spinning.
            events.AddRange(FailureEvents(turnId, failure));
        }
        else
        {
            events.Add(new TurnCompletedEvent { TurnId = turnId });
        }

        if (outcome.HandedOverInterrupted)
        {
            _interruptedMessage = null;
        }

        await MarkSandboxReadyAsync().ConfigureAwait(false);
        EndTurn();
        _sandbox.ReleaseSlotIfClosed();
        Touch();
        // The agent's metadata carries usage and cost; the budget is the session's own and stays.
        _record = _record with { Metadata = (Log.Read(p => p.Metadata) ?? _record.Metadata) with { Budget = _record.Metadata.Budget } };
        if (Log.IsFenced)
        {
            // Another writer has the session: its record and log are that writer's now, and this turn goes unlogged.
            (result, errorType) = ("failed", "log_conflict");
        }
        else
        {
            try
            {
                await _services.Store.UpdateSessionAsync(_record, CancellationToken.None).ConfigureAwait(false);
                await Log.AppendAsync(events, CancellationToken.None).ConfigureAwait(false);
            }
            catch (EventLogConflictException)
            {
                (result, errorType) = ("failed", "log_conflict");
            }
            catch (Exception ex)
            {
                LogPersistFailed(ex, SessionId);
            }
        }

        // Ended once its last event is logged: the turn's duration is what a client waits for.
        telemetry?.End(result, errorType);
        if (Log.IsFenced)
        {
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
            PublishListChange();
            return;
        }

        if (failure is not null && _sandbox.AgentExited)
        {
            // The agent died mid-turn (killed, crashed): its sandbox may be in any state, so it is not reused. The next
            // message starts a fresh one with the workspace and the transcript restored.
            LogAgentDied(SessionId);
            await CloseSandboxAsync(emitStatus: true).ConfigureAwait(false);
        }

        _sandbox.ArmIdleTimer();
        PublishListChange();
    }

    /// <summary>Forgets the turn that ended or was awaited, and gives the tenant its turn back.</summary>
    private void EndTurn()
    {
        _turn = null;
        _turnId = null;
        _turnTelemetry = null;
        _interruptDeadline?.Dispose();
        _interruptDeadline = null;
        _turnLease?.Dispose();
        _turnLease = null;
        _turnCancellation?.Dispose();
        _turnCancellation = null;
        _turnState = TurnState.Idle;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent of session {SessionId} died during a turn; closing its sandbox")]
    private partial void LogAgentDied(string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not persist the state of session {SessionId}")]
    private partial void LogPersistFailed(Exception exception, string sessionId);
}
