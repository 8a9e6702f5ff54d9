using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionActor
{
    /// <summary>The error code of a turn that a server restart cut off.</summary>
    public const string ServerRestartedCode = "server_restarted";

    /// <summary>The error code of a turn cut off because the cluster node running it was lost.</summary>
    public const string NodeLostCode = "node_lost";

    // The user message of a turn a restart cut off, until a turn hands it to the agent (its outcome says so).
    private string? _interruptedMessage;

    /// <summary>
    /// Closes a turn the log left open because the server stopped in the middle of it (killed, crashed): its running
    /// tools and subagents end as errors and the turn fails with <c>server_restarted</c> (<c>node_lost</c> in a cluster, where
    /// the session is reactivated on another node than the one that ran the turn). The agent's transcript is
    /// stored only after a turn, so the agent never kept that message; the next turn hands it over again (see
    /// <see cref="TurnRunner.RunAsync"/>), so the model's history and the clients' agree.
    /// </summary>
    private async Task RecoverInterruptedTurnAsync(CancellationToken cancellationToken)
    {
        if (Log.LastTurnAtLoad is not { } last)
        {
            return;
        }

        // Approvals left waiting can never be answered: the agent that asked is gone. They expire first, so that the
        // tool calls they held end with the turn below.
        var expired = new List<SessionEvent>();
        foreach (var approval in Log.Read(p => p.PendingApprovals.ToList()))
        {
            expired.AddRange(SessionApprovals.Resolution(approval, new ToolApprovalDecision { Allow = false, Message = "The server stopped while the approval waited; it expired." }, "restart"));
        }

        if (expired.Count > 0)
        {
            await Log.AppendAsync(expired, cancellationToken).ConfigureAwait(false);
        }

        if (!last.Ended)
        {
            LogRecoveringTurn(SessionId, last.TurnId);
            var failure = _services.Options.Cluster.Mode == Hosting.ClusterMode.Embedded
                ? new TurnFailure("The server stopped during this turn; its work up to then is kept, and the message is handed to the agent again with the next one.", ServerRestartedCode)
                : new TurnFailure("The node running this turn was lost; its work up to then is kept, and the message is handed to the agent again with the next one, in a new sandbox.", NodeLostCode);
            await Log.AppendAsync(FailureEvents(last.TurnId, failure), cancellationToken).ConfigureAwait(false);
        }

        if (Log.Read(p => p.GetBlock($"error-{last.TurnId}")) is ErrorBlock { Code: ServerRestartedCode or NodeLostCode })
        {
            _interruptedMessage = (Log.Read(p => p.GetBlock($"user-{last.TurnId}")) as UserMessageBlock)?.Content;
        }
    }

    /// <summary>The events that fail a turn: what it left open closed (<see cref="ClosingEvents"/>), an error block, the terminal event.</summary>
    private List<SessionEvent> FailureEvents(string turnId, TurnFailure failure)
    {
        var events = ClosingEvents();
        var error = new ErrorBlock { Id = $"error-{turnId}", Timestamp = _services.Time.GetUtcNow(), Message = failure.Message, Code = failure.Code };
        events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = error });
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = error.Id, Block = error });
        events.Add(new TurnFailedEvent { TurnId = turnId, Error = failure.Message });
        return events;
    }

    /// <summary>
    /// What a turn that ends early (failed, interrupted) leaves open, closed: tool calls and subagents that will never
    /// finish end as errors, and blocks still streaming complete with what they have.
    /// </summary>
    private List<SessionEvent> ClosingEvents() => Log.Read(p =>
    {
        var unfinished = p.Blocks.Select(b => (Conversations.Main, Block: b))
            .Concat(p.Subagents.SelectMany(s => s.Blocks.Select(b => (s.Id, Block: b))))
            .Where(x => x.Block is ToolUseBlock { Status: ToolStatus.Pending or ToolStatus.Running or ToolStatus.AwaitingApproval }
                or SubagentBlock { Status: ToolStatus.Pending or ToolStatus.Running or ToolStatus.AwaitingApproval });
        var events = new List<SessionEvent>();
        foreach (var (conversationId, block) in unfinished)
        {
            events.Add(new BlockUpdateEvent { ConversationId = conversationId, BlockId = block.Id, Updates = new BlockUpdate { Status = ToolStatus.Error } });
        }

        foreach (var (conversationId, block) in p.OpenBlocks)
        {
            var closed = block switch
            {
                ToolUseBlock { Status: not (ToolStatus.Success or ToolStatus.Error) } tool => tool with { Status = ToolStatus.Error },
                SubagentBlock { Status: not (ToolStatus.Success or ToolStatus.Error) } subagent => subagent with { Status = ToolStatus.Error },
                _ => block,
            };
            events.Add(new BlockCompleteEvent { ConversationId = conversationId, BlockId = block.Id, Block = closed });
        }

        return events;
    });

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: turn {TurnId} was cut off by a server stop; closing it as failed")]
    private partial void LogRecoveringTurn(string sessionId, string turnId);
}
