using AgentRuntime.Approvals;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

/// <summary>
/// Runs one turn beside the session's loop: logs the user's message, gets the sandbox and the agent going through the
/// <see cref="SessionSandbox"/>, streams the agent's events into the log, and persists what the turn left. It changes
/// no session state: what it learns (the sandbox ready, the outcome) goes to the loop, which ends the turn.
/// </summary>
internal sealed partial class TurnRunner(
    string sessionId, SessionEventLog log, SessionSandbox sandbox, SessionApprovals approvals, Func<CancellationToken, Task> markSandboxReadyAsync, TimeProvider time, ILogger logger,
    TurnTelemetry telemetry)
{
    /// <summary>
    /// Runs the turn to its end; never throws. <paramref name="interrupted"/> is the message of a turn a restart cut
    /// off, handed to the agent before this one; the outcome says whether it was.
    /// </summary>
    public async Task<TurnOutcome> RunAsync(AgentTurn turn, string? interrupted, CancellationToken cancellationToken)
    {
        var (turnId, content) = (turn.TurnId, turn.Content);
        TurnFailure? failure = null;
        var handedOver = false;
        sandbox.BeginTurn();
        sandbox.TraceModelCallsUnder(telemetry.Activity);
        try
        {
            var message = new UserMessageBlock { Id = $"user-{turnId}", Timestamp = time.GetUtcNow(), Content = content, Images = turn.Images.Count == 0 ? null : turn.Images };
            await log.AppendAsync(
            [
                new TurnStartedEvent { TurnId = turnId },
                new BlockStartEvent { ConversationId = Conversations.Main, Block = message },
                new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = message.Id, Block = message },
            ], cancellationToken).ConfigureAwait(false);

            await sandbox.EnsureAsync(cancellationToken).ConfigureAwait(false);
            var connection = await sandbox.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await markSandboxReadyAsync(cancellationToken).ConfigureAwait(false);
            handedOver = interrupted is not null;
            await PumpAsync(connection.RunTurnAsync(turn with { Content = WithInterrupted(content, interrupted) }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            failure = new TurnFailure("The turn was cancelled.", "cancelled");
        }
        catch (Persistence.EventLogConflictException)
        {
            // Another writer has the session's log (the actor stops writing); nothing of this turn can be logged.
            failure = new TurnFailure("Another writer appended to the session's log; this turn could not be logged.", "log_conflict");
        }
        catch (AgentException ex)
        {
            failure = new TurnFailure(ex.Message, ex.Code);
        }
        catch (SandboxException ex)
        {
            failure = new TurnFailure(ex.Message, ex.Code);
        }
        catch (Exception ex)
        {
            LogTurnCrashed(ex, sessionId, turnId);
            failure = new TurnFailure($"The turn failed unexpectedly: {ex.Message}", "internal_error");
        }

        if (sandbox.TakeBudgetRefusal() is { } refusal)
        {
            // The agent saw only an API error; the runtime knows it was the budget, and says so whatever the agent made of it.
            failure = new TurnFailure(refusal, "budget_exceeded");
        }

        // A fenced log's turn stores nothing more: the transcript and workspace are the other writer's now too.
        if (!log.IsFenced)
        {
            await sandbox.PersistAsync().ConfigureAwait(false);
        }

        return new TurnOutcome(failure, handedOver);
    }

    /// <summary>What the agent is sent for a user's message: the message, after an interrupted one it never answered.</summary>
    private static string WithInterrupted(string content, string? interrupted) => interrupted is null
        ? content
        : $"""
            [The server restarted before you answered my previous message, so here it is again: "{interrupted}"]

            {content}
            """;

    // Each batch the agent gives is one append: what it said while the previous batch was being stored is the next.
    private async Task PumpAsync(IAsyncEnumerable<IReadOnlyList<SessionEvent>> batches, CancellationToken cancellationToken)
    {
        await foreach (var received in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var batch = WithoutRepeatedNotices(received);
            if (batch.Count == 0)
            {
                continue;
            }

            telemetry.Observe(batch);
            await log.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
            await approvals.LoggedAsync(batch).ConfigureAwait(false);
            if (batch.Any(e => e is BlockCompleteEvent { Block: ToolResultBlock } || e is BlockUpdateEvent { Updates.Status: not null }))
            {
                // A finished tool call is when the agent's file changes become visible to clients.
                await sandbox.ScanWorkspaceAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // An agent says at every start what of the profile it cannot apply; after a restart in the same session (another
    // model, a moved profile version) that is the same notice again, and once in the conversation is enough.
    private IReadOnlyList<SessionEvent> WithoutRepeatedNotices(IReadOnlyList<SessionEvent> batch)
    {
        HashSet<string>? repeated = null;
        foreach (var e in batch)
        {
            if (e is BlockStartEvent { Block: SystemBlock { Subtype: "profile_not_applied" } notice }
                && log.Read(p => p.Blocks.Any(b => b is SystemBlock { Subtype: "profile_not_applied" } said && said.Message == notice.Message)))
            {
                (repeated ??= new HashSet<string>(StringComparer.Ordinal)).Add(notice.Id);
            }
        }

        return repeated is null
            ? batch
            : batch.Where(e => e switch
            {
                BlockStartEvent start => !repeated.Contains(start.Block.Id),
                BlockCompleteEvent complete => !repeated.Contains(complete.BlockId),
                _ => true,
            }).ToList();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn {TurnId} of session {SessionId} failed unexpectedly")]
    private partial void LogTurnCrashed(Exception exception, string sessionId, string turnId);
}

/// <summary>Why a turn failed, as its error block and <c>turn:failed</c> say.</summary>
internal sealed record TurnFailure(string Message, string Code);

/// <summary>How a turn ended (no failure: completed), and whether it handed an interrupted message to the agent.</summary>
internal sealed record TurnOutcome(TurnFailure? Failure, bool HandedOverInterrupted);
