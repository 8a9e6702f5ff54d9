using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Approvals;

/// <summary>
/// A session's tool approvals. A request the rules cannot decide becomes a durable <c>session:approval:requested</c>
/// (its tool block shows <c>awaiting_approval</c>) and waits for one decision: a person's answer, its timeout, or the
/// runtime's (an interrupt, the turn ending). The decision is logged as <c>session:approval:resolved</c> and handed to
/// the agent. Thread-safe: the turn asks from its own thread, the session's loop answers.
/// </summary>
/// <remarks>
/// The request's events reach the log in the turn's next batch, after the tool call they are about; a decision that
/// comes first (an interrupt at that moment) is logged only once they are (<see cref="LoggedAsync"/>), so a resolution
/// never precedes its request in the log.
/// </remarks>
internal sealed partial class SessionApprovals(string sessionId, SessionEventLog log, TimeProvider time, TimeSpan timeout, Action changed, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pending> _pending = [];
    private readonly Dictionary<string, Pending> _unlogged = [];

    /// <summary>Whether an approval waits for an answer.</summary>
    public bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count > 0;
            }
        }
    }

    /// <summary>The approvals of one turn, decided by the rules <paramref name="rules"/> gives at each request.</summary>
    public IToolApprovals ForTurn(string turnId, Func<ApprovalRules> rules) => new TurnApprovals(this, turnId, rules);

    /// <summary>
    /// Decides a pending approval. Returns the resolution as logged (or as it will be, once its request is).
    /// </summary>
    /// <exception cref="ApprovalNotFoundException">No approval of this session has the id.</exception>
    /// <exception cref="ApprovalAlreadyResolvedException">It was decided before.</exception>
    public async Task<ApprovalResolvedEvent> ResolveAsync(string approvalId, ToolApprovalDecision decision, string by)
    {
        Pending pending;
        bool logged;
        lock (_lock)
        {
            if (!_pending.Remove(approvalId, out pending!))
            {
                // Decided before, in this process or an earlier one: the log knows.
                throw log.Read(p => p.IsApprovalResolved(approvalId)) ? new ApprovalAlreadyResolvedException(approvalId) : new ApprovalNotFoundException(approvalId);
            }

            pending.Resolution = Resolution(pending.Request, decision, by);
            logged = !_unlogged.ContainsKey(approvalId);
        }

        pending.Timer?.Dispose();
        LogResolved(logger, sessionId, approvalId, decision.Allow, by);
        // The agent learns the decision at once; the log follows (its append cannot fail the decision).
        pending.Decision.TrySetResult(decision);
        changed();
        var resolved = (ApprovalResolvedEvent)pending.Resolution[0];
        if (logged)
        {
            var appended = await log.AppendAsync(pending.Resolution, CancellationToken.None).ConfigureAwait(false);
            resolved = (ApprovalResolvedEvent)appended[0];
        }

        return resolved;
    }

    /// <summary>Denies every pending approval (the turn was interrupted or ended), saying why.</summary>
    public async Task DenyAllAsync(string by, string message)
    {
        List<string> ids;
        lock (_lock)
        {
            ids = [.. _pending.Keys];
        }

        foreach (var id in ids)
        {
            try
            {
                await ResolveAsync(id, new ToolApprovalDecision { Allow = false, Message = message }, by).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApprovalAlreadyResolvedException or ApprovalNotFoundException)
            {
                // Answered meanwhile.
            }
            catch (Persistence.EventLogConflictException)
            {
                // Another writer has the log: the agent got the denial, the log cannot take it.
            }
        }
    }

    /// <summary>
    /// Tells which requests the turn's last batch put in the log; logs the resolutions that waited for them.
    /// </summary>
    public async Task LoggedAsync(IReadOnlyList<SessionEvent> batch)
    {
        List<SessionEvent>? late = null;
        lock (_lock)
        {
            foreach (var requested in batch.OfType<ApprovalRequestedEvent>())
            {
                if (_unlogged.Remove(requested.ApprovalId, out var pending) && pending.Resolution is { } resolution)
                {
                    (late ??= []).AddRange(resolution);
                }
            }
        }

        if (late is not null)
        {
            await log.AppendAsync(late, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private ToolApprovalTicket Request(string turnId, ApprovalRules rules, ToolApprovalRequest request)
    {
        if (rules.Decide(request) is { } decided)
        {
            LogDecidedByRules(logger, sessionId, request.ToolName, decided.Allow);
            return new ToolApprovalTicket([], Task.FromResult(decided));
        }

        var requested = new ApprovalRequestedEvent
        {
            ApprovalId = $"ap_{Guid.NewGuid():N}",
            TurnId = turnId,
            ConversationId = request.ConversationId,
            BlockId = request.BlockId,
            ToolUseId = request.ToolUseId,
            ToolName = request.ToolName,
            Input = request.Input,
            Options = request.Options,
            ExpiresAt = time.GetUtcNow() + timeout,
        };
        var events = new List<SessionEvent> { requested };
        if (request.BlockId is { } blockId)
        {
            events.Add(new BlockUpdateEvent { ConversationId = request.ConversationId, BlockId = blockId, Updates = new BlockUpdate { Status = ToolStatus.AwaitingApproval } });
        }

        var pending = new Pending(requested);
        lock (_lock)
        {
            _pending[requested.ApprovalId] = pending;
            _unlogged[requested.ApprovalId] = pending;
        }

        pending.Timer = time.CreateTimer(_ => _ = ExpireAsync(requested.ApprovalId), null, timeout, Timeout.InfiniteTimeSpan);
        LogRequested(logger, sessionId, requested.ApprovalId, request.ToolName);
        changed();
        return new ToolApprovalTicket(events, pending.Decision.Task);
    }

    private async Task ExpireAsync(string approvalId)
    {
        try
        {
            await ResolveAsync(approvalId, new ToolApprovalDecision
            {
                Allow = false,
                Message = $"Nobody answered the approval within {timeout}; the tool call was denied.",
            }, "timeout").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApprovalAlreadyResolvedException or ApprovalNotFoundException or SessionNotFoundException or ObjectDisposedException
            or Persistence.EventLogConflictException)
        {
            // Answered just before, or the session is gone (from here, or to another writer).
        }
    }

    /// <summary>The resolution of a request, and the tool block's status that goes with it: running when allowed, error when denied.</summary>
    public static List<SessionEvent> Resolution(ApprovalRequestedEvent request, ToolApprovalDecision decision, string by)
    {
        var events = new List<SessionEvent>
        {
            new ApprovalResolvedEvent
            {
                ApprovalId = request.ApprovalId,
                Decision = decision.Allow ? ApprovalDecisionKind.Allow : ApprovalDecisionKind.Deny,
                By = by,
                Message = decision.Allow ? null : decision.Message,
                UpdatedInput = decision.Allow ? decision.UpdatedInput : null,
                Remember = decision.Remember,
            },
        };
        if (request.BlockId is { } blockId)
        {
            events.Add(new BlockUpdateEvent
            {
                ConversationId = request.ConversationId,
                BlockId = blockId,
                Updates = new BlockUpdate { Status = decision.Allow ? ToolStatus.Running : ToolStatus.Error, Input = decision.Allow ? decision.UpdatedInput : null },
            });
        }

        return events;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: approval {ApprovalId} asked for {ToolName}")]
    private static partial void LogRequested(ILogger logger, string sessionId, string approvalId, string toolName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: approval {ApprovalId} decided (allowed: {Allowed}) by {By}")]
    private static partial void LogResolved(ILogger logger, string sessionId, string approvalId, bool allowed, string by);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: the rules decided a call of {ToolName} (allowed: {Allowed})")]
    private static partial void LogDecidedByRules(ILogger logger, string sessionId, string toolName, bool allowed);

    private sealed class Pending(ApprovalRequestedEvent request)
    {
        public ApprovalRequestedEvent Request { get; } = request;

        public TaskCompletionSource<ToolApprovalDecision> Decision { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ITimer? Timer { get; set; }

        public List<SessionEvent>? Resolution { get; set; }
    }

    private sealed class TurnApprovals(SessionApprovals approvals, string turnId, Func<ApprovalRules> rules) : IToolApprovals
    {
        public ToolApprovalTicket Request(ToolApprovalRequest request) => approvals.Request(turnId, rules(), request);
    }
}
