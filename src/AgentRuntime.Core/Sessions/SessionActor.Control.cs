using System.Text.Json;
using AgentRuntime.Approvals;
using AgentRuntime.Events;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

// A client's control of the session: stopping the running turn, answering approvals, the session's own options.
internal sealed partial class SessionActor
{
    // Loop-only: the turn a client asked to stop, and the timer that stops it the hard way if the agent does not.
    private bool _interruptRequested;
    private ITimer? _interruptDeadline;

    /// <summary>
    /// Stops the running turn: pending approvals are denied and the agent is asked to stop; the turn then ends as
    /// <c>turn:completed</c> with <c>stopReason: interrupted</c>. An agent that has not stopped within the grace is
    /// stopped the hard way (the turn is cancelled). Returns the turn's id.
    /// </summary>
    /// <exception cref="NoTurnRunningException">No turn runs.</exception>
    public Task<string> InterruptAsync() => InvokeAsync(async () =>
    {
        if (_turn is null || _turnId is not { } turnId)
        {
            throw new NoTurnRunningException(SessionId);
        }

        if (!_interruptRequested)
        {
            _interruptRequested = true;
            LogInterrupting(SessionId, turnId);
            await _approvals.DenyAllAsync("interrupt", "The user interrupted the turn.").ConfigureAwait(false);
            var cancellation = _turnCancellation;
            _interruptDeadline = _services.Time.CreateTimer(_ => Post(() =>
            {
                // Still the same turn, and still running: the agent did not stop in time.
                if (ReferenceEquals(cancellation, _turnCancellation))
                {
                    LogInterruptForced(SessionId, turnId);
                    cancellation?.Cancel();
                }

                return Task.CompletedTask;
            }), null, _services.Options.InterruptGrace, Timeout.InfiniteTimeSpan);
            try
            {
                using var sending = new CancellationTokenSource(_services.Options.InterruptGrace);
                await _sandbox.InterruptAsync(sending.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or Architectures.AgentException or IOException or ObjectDisposedException)
            {
                // The agent cannot be told (it is gone or stuck): the deadline stops the turn.
                LogInterruptNotSent(ex, SessionId);
            }
        }

        return turnId;
    });

    /// <summary>Answers a pending approval once; returns the resolution as logged.</summary>
    /// <exception cref="ApprovalNotFoundException">The session has no approval with this id.</exception>
    /// <exception cref="ApprovalAlreadyResolvedException">It was answered (or timed out) before.</exception>
    public Task<ApprovalResolvedEvent> AnswerApprovalAsync(string approvalId, ApprovalAnswer answer, string by) => InvokeAsync(async () =>
    {
        // A fenced actor's agent is being stopped: it gets no answer that the log could not show.
        ThrowIfFenced();
        var request = Log.Read(p => p.PendingApprovals.FirstOrDefault(a => a.ApprovalId == approvalId));
        var resolved = await _approvals.ResolveAsync(approvalId, new ToolApprovalDecision
        {
            Allow = answer.Decision == ApprovalDecisionKind.Allow,
            UpdatedInput = answer.UpdatedInput,
            Message = answer.Message,
            OptionId = answer.OptionId,
            Remember = answer.Remember,
        }, by).ConfigureAwait(false);
        if (answer.Remember && answer.Decision == ApprovalDecisionKind.Allow && request is not null)
        {
            // The rest of the session allows this tool without asking.
            var options = Log.Read(p => p.Options);
            if (!options.AllowedTools.Contains(request.ToolName, StringComparer.OrdinalIgnoreCase))
            {
                await Log.AppendAsync(new OptionsUpdateEvent { Options = options with { AllowedTools = [.. options.AllowedTools, request.ToolName] } }, CancellationToken.None)
                    .ConfigureAwait(false);
            }
        }

        return resolved;
    });

    /// <summary>
    /// Changes the session's options; they apply from the next turn (an agent started with another model or permission
    /// mode is restarted then, resuming the conversation). Returns the options as they are now.
    /// </summary>
    public Task<SessionOptions> UpdateOptionsAsync(SessionOptionsUpdate update) => InvokeAsync(async () =>
    {
        ThrowIfFenced();
        var current = Log.Read(p => p.Options);
        var options = current with
        {
            Model = update.Model is { } model ? (model.Length == 0 ? null : model) : current.Model,
            PermissionMode = update.ClearPermissionMode ? null : update.PermissionMode ?? current.PermissionMode,
        };
        if (options != current)
        {
            await Log.AppendAsync(new OptionsUpdateEvent { Options = options }, CancellationToken.None).ConfigureAwait(false);
            Touch();
        }

        return options;
    });

    // The rules a turn's approvals decide by, read at each request: the profile's policy, what the session chose.
    private ApprovalRules CurrentRules()
    {
        var options = Log.Read(p => p.Options);
        var profile = _sandbox.Profile;
        var policy = profile?.Permissions ?? new PermissionPolicy();
        return new ApprovalRules(
            options.PermissionMode ?? policy.Mode,
            [.. policy.Allow, .. profile?.AllowedTools ?? [], .. options.AllowedTools],
            policy.Deny);
    }

    // The approvals' count changed (from any thread): the loop shows whether the turn waits for a person.
    private void ApprovalsChanged() => Post(() =>
    {
        var state = _turn is null ? TurnState.Idle : _approvals.HasPending ? TurnState.AwaitingApproval : TurnState.Running;
        if (state != _turnState)
        {
            _turnState = state;
            PublishListChange();
        }

        return Task.CompletedTask;
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: interrupting turn {TurnId} at a client's request")]
    private partial void LogInterrupting(string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: turn {TurnId} did not stop when interrupted; cancelling it")]
    private partial void LogInterruptForced(string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the agent could not be asked to stop")]
    private partial void LogInterruptNotSent(Exception exception, string sessionId);
}
