using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Acp.Mapping;

/// <summary>
/// Maps what an ACP agent says (<c>session/update</c> notifications, permission requests, anything else) to session
/// events, one message at a time, keeping what it needs across messages and turns: the streaming text or thought
/// block, the tool calls, the usage totals. Consecutive <c>agent_message_chunk</c>s form one <c>assistant_text</c>
/// block and consecutive <c>agent_thought_chunk</c>s one <c>thinking</c> block, streamed as deltas; any other kind of
/// update ends the block. Nothing is dropped: an update kind it does not know becomes a system block
/// <c>unknown_update</c> holding the raw JSON. One per agent process; the Gemini transcript parser drives one too, so
/// that both give the same blocks. Not thread-safe.
/// </summary>
internal sealed partial class AcpUpdateMapper(TimeProvider? time, SessionMetadata totals, AcpMapperOptions options)
{
    private string _turn = "turn";
    private int _index;
    private OpenBlock? _open;
    private string? _planId;

    /// <summary>The conversation's totals as last reported.</summary>
    public SessionMetadata Totals { get; private set; } = totals;

    /// <summary>The time blocks start at; the clock's time when unset (live), a transcript entry's time when parsing.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    private DateTimeOffset Now => Timestamp ?? time?.GetUtcNow() ?? DateTimeOffset.UnixEpoch;

    /// <summary>Starts a turn: block ids are <c>&lt;turnId&gt;:&lt;n&gt;</c>.</summary>
    public void BeginTurn(string turnId)
    {
        _turn = turnId;
        _index = 0;
        _planId = null;
    }

    /// <summary>Maps one message from the agent.</summary>
    public IReadOnlyList<SessionEvent> Map(AcpInbound inbound)
    {
        var events = new List<SessionEvent>();
        switch (inbound)
        {
            case AcpSessionUpdate update:
                MapUpdate(update.Update, events);
                break;
            case AcpPermissionRequest permission:
                MapPermission(permission.ToolCall, permission.Decision, events);
                break;
            case AcpPermissionPrompt prompt:
                MapPermission(prompt.ToolCall, decision: null, events);
                break;
            case AcpPermissionAnswered answered:
                MapPermissionAnswered(answered, events);
                break;
            case AcpOtherNotification other:
                System(events, "unknown_notification", $"{options.AgentName} sent a '{other.Method}' notification that this runtime does not know.",
                    new JsonObject { ["method"] = other.Method, ["params"] = other.Parameters?.DeepClone() });
                break;
            case AcpRuntimeNotice notice:
                System(events, notice.Subtype, notice.Message, notice.Metadata);
                break;
            case AcpUnreadableLine line:
                System(events, "non_json_output", line.Line, new JsonObject { ["line"] = line.Line });
                break;
        }

        return events;
    }

    /// <summary>
    /// Ends the turn with the <c>session/prompt</c> result: closes the open block, fails tool calls the agent left
    /// unfinished, shows deferred tool results with what ACP said of them, adds the turn's usage to the totals.
    /// </summary>
    public AcpTurnEnd EndTurn(JsonObject? promptResult)
    {
        var events = new List<SessionEvent>();
        Close(events);
        FinishOpenTools(events);
        var stopReason = TolerantJson.String(promptResult, "stopReason") ?? "end_turn";
        if (stopReason is not ("end_turn" or "cancelled"))
        {
            System(events, "stop_reason", stopReason switch
            {
                "max_tokens" => $"{options.AgentName} stopped: it reached its token limit.",
                "max_turn_requests" => $"{options.AgentName} stopped: it reached its limit of model requests for one turn.",
                "refusal" => $"{options.AgentName} refused to continue.",
                _ => $"{options.AgentName} stopped ({stopReason}).",
            }, (JsonObject?)promptResult?.DeepClone());
        }

        var turn = AcpTurnUsage.FromPromptResult(promptResult);
        Totals = Totals with { Usage = Totals.Usage + turn.Usage, Model = turn.Model ?? options.Model ?? Totals.Model };
        events.Add(new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = Totals });
        return new AcpTurnEnd(events, stopReason);
    }

    /// <summary>Ends the streaming block, if any (the transcript parser calls it between records).</summary>
    public IReadOnlyList<SessionEvent> CloseOpenBlock()
    {
        var events = new List<SessionEvent>();
        Close(events);
        return events;
    }

    private void MapUpdate(JsonObject update, List<SessionEvent> events)
    {
        var kind = TolerantJson.String(update, "sessionUpdate");
        switch (kind)
        {
            case "agent_message_chunk":
                Stream(StreamKind.Text, update, events);
                break;
            case "agent_thought_chunk":
                Stream(StreamKind.Thinking, update, events);
                break;
            case "user_message_chunk":
                Stream(StreamKind.User, update, events);
                break;
            case "tool_call" or "tool_call_update":
                Tool(update, events);
                break;
            case "plan":
                Plan(update, events);
                break;
            case "usage_update":
                // Context-window use and, when the agent knows it, the session's cost so far.
                if (TolerantJson.Object(update, "cost") is { } cost && TolerantJson.String(cost, "currency") == "USD" && TolerantJson.Decimal(cost, "amount") is { } amount)
                {
                    Totals = Totals with { CostUsd = amount };
                }

                events.Add(new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = Totals });
                break;
            case "available_commands_update":
                var commands = TolerantJson.Array(update, "availableCommands")?.Select(c => "/" + TolerantJson.String(c, "name")).ToList() ?? [];
                System(events, "available_commands", $"{options.AgentName} offers {commands.Count} commands: {string.Join(", ", commands)}.", update);
                break;
            case "current_mode_update":
                System(events, "mode", $"{options.AgentName} is in mode '{TolerantJson.String(update, "currentModeId")}'.", update);
                break;
            case "session_info_update":
                System(events, "session_info", TolerantJson.String(update, "title") is { } title ? $"Session: {title}." : "The session's information changed.", update);
                break;
            case "config_option_update":
                System(events, "config_option", "The agent's configuration options changed.", update);
                break;
            default:
                System(events, "unknown_update", $"{options.AgentName} sent a session update of kind '{kind ?? "(none)"}' that this runtime does not know.", update);
                break;
        }
    }

    // Chunks of one kind in a row are one message, unless the agent tells messages apart by messageId.
    private void Stream(StreamKind kind, JsonObject update, List<SessionEvent> events)
    {
        var text = AcpJson.ContentText(update["content"]);
        var messageId = TolerantJson.String(update, "messageId");
        if (_open is null || _open.Kind != kind || (messageId is not null && _open.MessageId is not null && messageId != _open.MessageId))
        {
            Close(events);
            var id = NextId();
            _open = new OpenBlock(kind, messageId, kind switch
            {
                StreamKind.Text => new AssistantTextBlock { Id = id, Timestamp = Now, Content = "", Model = options.Model ?? Totals.Model },
                StreamKind.Thinking => new ThinkingBlock { Id = id, Timestamp = Now, Content = "" },
                _ => new UserMessageBlock { Id = id, Timestamp = Now, Content = "" },
            });
            if (kind != StreamKind.User)
            {
                // A user message cannot grow by deltas, so it is shown whole when it ends.
                events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = _open.Block });
            }
        }

        else if (kind == StreamKind.Thinking && options.ThoughtSeparator is { } separator && _open.Text.Length > 0 && text.Length > 0)
        {
            text = separator + text;
        }

        _open.Text.Append(text);
        if (kind != StreamKind.User && text.Length > 0)
        {
            events.Add(new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = _open.Block.Id, Delta = text });
        }
    }

    private void Close(List<SessionEvent> events)
    {
        if (_open is not { } open)
        {
            return;
        }

        _open = null;
        var text = open.Text.ToString();
        ConversationBlock block = open.Block switch
        {
            AssistantTextBlock assistant => assistant with { Content = text },
            ThinkingBlock thinking => thinking with { Content = text },
            UserMessageBlock user => user with { Content = text },
            _ => open.Block,
        };
        if (block is UserMessageBlock)
        {
            events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
        }

        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block });
    }

    private void Plan(JsonObject update, List<SessionEvent> events)
    {
        var entries = TolerantJson.Array(update, "entries")?.OfType<JsonObject>().Select(e => TolerantJson.String(e, "status") switch
        {
            "completed" => "[x] ",
            "in_progress" => "[>] ",
            _ => "[ ] ",
        } + TolerantJson.String(e, "content")).ToList() ?? [];
        var message = entries.Count == 0 ? "The plan is empty." : "Plan:\n" + string.Join("\n", entries);
        if (_planId is { } id)
        {
            // The agent sends the whole plan each time: the turn's plan block is replaced.
            events.Add(new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = id, Updates = new BlockUpdate { Message = message, Metadata = (JsonObject)update.DeepClone() } });
            return;
        }

        _planId = System(events, "plan", message, update);
    }

    private string System(List<SessionEvent> events, string subtype, string message, JsonObject? metadata)
    {
        Close(events);
        var block = new SystemBlock { Id = NextId(), Timestamp = Now, Subtype = subtype, Message = message, Metadata = (JsonObject?)metadata?.DeepClone() };
        events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block });
        return block.Id;
    }

    private string NextId() => $"{_turn}:{_index++}";

    private enum StreamKind
    {
        Text,
        Thinking,
        User,
    }

    private sealed class OpenBlock(StreamKind kind, string? messageId, ConversationBlock block)
    {
        public StreamKind Kind { get; } = kind;

        public string? MessageId { get; } = messageId;

        public ConversationBlock Block { get; } = block;

        public StringBuilder Text { get; } = new();
    }
}

/// <summary>How an <see cref="AcpUpdateMapper"/> presents one agent.</summary>
internal sealed record AcpMapperOptions
{
    /// <summary>The agent as messages name it, such as <c>The Gemini CLI</c>.</summary>
    public string AgentName { get; init; } = "The agent";

    /// <summary>The agent's own way of naming the tool behind a call (see <see cref="AcpToolNames"/>).</summary>
    public Func<JsonObject, string?>? ToolName { get; init; }

    /// <summary>
    /// Whether a finished call's result waits for <see cref="AcpUpdateMapper.ResolveToolResult"/> (an
    /// <see cref="IAcpToolDetailsSource"/> knows more than ACP said) instead of being shown at once.
    /// </summary>
    public bool DeferToolResults { get; init; }

    /// <summary>
    /// Put between thought chunks of one block when the agent sends each thought whole rather than streaming one
    /// (the Gemini CLI sends one chunk per thought summary); <see langword="null"/> to join them as they come.
    /// </summary>
    public string? ThoughtSeparator { get; init; }

    /// <summary>The configured model, shown on text blocks until the agent reports one.</summary>
    public string? Model { get; init; }
}

/// <summary>The events that end a turn, and the agent's stop reason.</summary>
internal sealed record AcpTurnEnd(IReadOnlyList<SessionEvent> Events, string StopReason);
