using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>
/// Maps Claude Code's <c>stream-json</c> messages to session events, one line at a time, keeping what it needs across
/// lines and turns (open streamed blocks, tool calls awaiting results, usage totals). One per CLI process; the
/// transcript parser feeds it transcript entries the same way so that both give the same blocks. User and assistant
/// messages are mapped from a <see cref="ClaudeEntry"/>, which the transcript parser reads straight from the
/// transcript's bytes; the live stream's are read into one from their node. Not thread-safe.
/// </summary>
internal sealed class StreamJsonMapper(TimeProvider? time, SessionMetadata totals)
{
    private readonly Dictionary<(string MessageId, int Index), OpenBlock> _open = [];
    private readonly Dictionary<string, string> _currentMessage = [];
    private readonly Dictionary<string, string?> _currentModel = [];
    private readonly Dictionary<string, int> _contentSeen = [];
    private readonly Dictionary<string, ToolCall> _toolCalls = [];
    private DateTimeOffset? _lastTimestamp;
    private string? _lastModel = totals.Model;

    /// <summary>The conversation's totals as last reported.</summary>
    public SessionMetadata Totals { get; private set; } = totals;

    // Live, blocks without a timestamp of their own start now; from a transcript, at the last entry's time.
    private DateTimeOffset Now => time?.GetUtcNow() ?? _lastTimestamp ?? DateTimeOffset.UnixEpoch;

    /// <summary>Maps one message. The outcome is set when the message ends a turn (a <c>result</c>).</summary>
    public MappedLine Map(JsonObject line)
    {
        var events = new List<SessionEvent>();
        var outcome = MapInto(line, events);
        return new MappedLine(events, outcome);
    }

    /// <summary>The thread and block of a tool call the agent announced, by its tool use id.</summary>
    public (string ConversationId, string BlockId)? ToolCallOf(string toolUseId) =>
        _toolCalls.TryGetValue(toolUseId, out var call) ? (call.Conversation, call.BlockId) : null;

    /// <summary>As <see cref="Map(JsonObject)"/>, adding the events to a list the caller reuses.</summary>
    public TurnOutcome? MapInto(JsonObject line, List<SessionEvent> events)
    {
        var type = TolerantJson.String(line, "type");
        if (type is "assistant" or "user")
        {
            MapInto(ClaudeEntryReader.Read(line), events);
            return null;
        }

        var timestamp = ClaudeJson.Timestamp(line);
        _lastTimestamp = timestamp ?? _lastTimestamp;
        var conversation = TolerantJson.String(line, "parent_tool_use_id") ?? Conversations.Main;
        TurnOutcome? outcome = null;
        switch (type)
        {
            case "stream_event":
                MapStreamEvent(line, conversation, events);
                break;
            case "system":
                Whole(events, conversation, new SystemBlock
                {
                    Id = TolerantJson.String(line, "uuid") ?? $"system-{Guid.NewGuid():N}",
                    Timestamp = timestamp ?? Now,
                    Subtype = TolerantJson.String(line, "subtype") ?? "unknown",
                    Message = SystemMessageText.Describe(line),
                    Metadata = (JsonObject)line.DeepClone(),
                });
                break;
            case "result":
                outcome = MapResult(line, events);
                break;
            case "control_response":
                // The answer to the runtime's own control request (an interrupt); the connection reads it, users need not.
                break;
            default:
                Whole(events, conversation, new SystemBlock
                {
                    Id = TolerantJson.String(line, "uuid") ?? $"unknown-{Guid.NewGuid():N}",
                    Timestamp = timestamp ?? Now,
                    Subtype = "unknown_message",
                    Message = $"Claude Code sent a message of type '{TolerantJson.String(line, "type") ?? "(none)"}' that this runtime does not know.",
                    Metadata = (JsonObject)line.DeepClone(),
                });
                break;
        }

        return outcome;
    }

    /// <summary>Maps a <c>user</c> or <c>assistant</c> message (neither ends a turn), adding the events to a list the caller reuses.</summary>
    public void MapInto(ClaudeEntry entry, List<SessionEvent> events)
    {
        _lastTimestamp = entry.Timestamp ?? _lastTimestamp;
        var conversation = entry.ParentToolUseId ?? Conversations.Main;
        switch (entry.Type)
        {
            case "assistant":
                MapAssistant(entry, conversation, entry.Timestamp ?? Now, events);
                break;
            case "user":
                MapUser(entry, conversation, entry.Timestamp ?? Now, events);
                break;
            default:
                throw new ArgumentException($"Only user and assistant messages are mapped as entries, not '{entry.Type}'.", nameof(entry));
        }
    }

    private void MapStreamEvent(JsonObject line, string conversation, List<SessionEvent> events)
    {
        var e = TolerantJson.Object(line, "event");
        var messageId = TolerantJson.String(line, "api_message_id") ?? _currentMessage.GetValueOrDefault(conversation) ?? "";
        var index = (int)(TolerantJson.Long(e, "index") ?? 0);
        switch (TolerantJson.String(e, "type"))
        {
            case "message_start":
                var message = TolerantJson.Object(e, "message");
                _currentMessage[conversation] = TolerantJson.String(message, "id") ?? messageId;
                _currentModel[conversation] = TolerantJson.String(message, "model");
                break;
            case "content_block_start" when TolerantJson.Object(e, "content_block") is { } content:
                StartBlock(conversation, messageId, index, content, events);
                break;
            case "content_block_delta" when _open.TryGetValue((messageId, index), out var open) && !open.Completed:
                var delta = TolerantJson.Object(e, "delta");
                var text = TolerantJson.String(delta, "type") switch
                {
                    "text_delta" => TolerantJson.String(delta, "text"),
                    "thinking_delta" => TolerantJson.String(delta, "thinking"),
                    _ => null,
                };
                if (TolerantJson.String(delta, "type") == "input_json_delta")
                {
                    // Partial JSON is not valid JSON; the input is shown once complete.
                    open.Content.Append(TolerantJson.String(delta, "partial_json"));
                }
                else if (!string.IsNullOrEmpty(text))
                {
                    open.Content.Append(text);
                    events.Add(new BlockDeltaEvent { ConversationId = conversation, BlockId = open.Block.Id, Delta = text });
                }

                break;
            case "message_stop":
                // The complete assistant message normally arrives first; a block it never covered completes from the stream.
                foreach (var ((id, _), open) in _open.Where(o => o.Key.MessageId == messageId).ToList())
                {
                    if (!open.Completed)
                    {
                        CompleteFromStream(open, events);
                    }

                    _open.Remove((id, open.Index));
                }

                break;
        }
    }

    private void StartBlock(string conversation, string messageId, int index, JsonObject content, List<SessionEvent> events)
    {
        var model = _currentModel.GetValueOrDefault(conversation);
        ConversationBlock? block = ClaudeContent.StreamKind(TolerantJson.String(content, "type")) switch
        {
            "text" => new AssistantTextBlock { Id = ClaudeContent.ContentBlockId(messageId, index), Timestamp = Now, Content = "", Model = model },
            "thinking" => new ThinkingBlock { Id = ClaudeContent.ContentBlockId(messageId, index), Timestamp = Now, Content = "" },
            "tool_use" => ClaudeContent.ToolCall(content, ToolStatus.Pending, Now),
            _ => null, // Shown when the complete message arrives.
        };
        if (block is null)
        {
            return;
        }

        _open[(messageId, index)] = new OpenBlock(conversation, index, ClaudeContent.StreamKind(TolerantJson.String(content, "type"))!, block, content);
        events.Add(new BlockStartEvent { ConversationId = conversation, Block = block });
    }

    private void CompleteFromStream(OpenBlock open, List<SessionEvent> events)
    {
        open.Completed = true;
        var text = open.Content.ToString();
        ConversationBlock block = open.Block switch
        {
            AssistantTextBlock assistant => assistant with { Content = text },
            ThinkingBlock thinking => thinking with { Content = text },
            _ => ClaudeContent.ToolCall(WithInput(open.StartContent, text), ToolStatus.Running, open.Block.Timestamp),
        };
        Track(open.Conversation, block, open.Block.Timestamp);
        events.Add(new BlockCompleteEvent { ConversationId = open.Conversation, BlockId = block.Id, Block = block });
    }

    private void MapAssistant(ClaudeEntry line, string conversation, DateTimeOffset timestamp, List<SessionEvent> events)
    {
        var messageId = line.MessageId ?? line.Uuid ?? $"message-{Guid.NewGuid():N}";
        var model = line.Model;
        if (conversation == Conversations.Main && model is not null and not "<synthetic>")
        {
            _lastModel = model;
        }

        ClaudeBlock[] contents = line.ContentBlocks ?? (line.ContentText is { } text ? [new ClaudeBlock { Type = "text", Text = text }] : []);
        foreach (var content in contents)
        {
            var index = IndexOf(line, messageId, content, contents.Length);
            var block = ClaudeContent.FromAssistant(content, messageId, index, model, timestamp);
            if (_open.TryGetValue((messageId, index), out var open) && open.Block.Id == block.Id && !open.Completed)
            {
                open.Completed = true;
            }
            else
            {
                events.Add(new BlockStartEvent { ConversationId = conversation, Block = block });
            }

            Track(conversation, block, timestamp);
            events.Add(new BlockCompleteEvent { ConversationId = conversation, BlockId = block.Id, Block = block });
        }
    }

    // The CLI sends (and records) each content block of a message as its own assistant message, in order, so a
    // block's index is the transcript's apiBlockIndex, else the streamed block it completes, else its position.
    private int IndexOf(ClaudeEntry line, string messageId, ClaudeBlock content, int count)
    {
        var seen = _contentSeen.GetValueOrDefault(messageId);
        var kind = ClaudeContent.StreamKind(content.Type);
        int index;
        if (count == 1 && line.ApiBlockIndex is { } recorded)
        {
            index = (int)recorded;
        }
        else if (_open.Count > 0 && _open.Where(o => o.Key.MessageId == messageId && !o.Value.Completed && o.Value.Kind == kind)
                     .Select(o => (int?)o.Key.Index).Min() is { } streamed)
        {
            index = streamed;
        }
        else
        {
            index = seen;
        }

        _contentSeen[messageId] = Math.Max(seen, index + 1);
        return index;
    }

    private void Track(string conversation, ConversationBlock block, DateTimeOffset timestamp)
    {
        if (block is ToolUseBlock or SubagentBlock)
        {
            _toolCalls[block.Id] = new ToolCall(conversation, block.Id, block is SubagentBlock, timestamp);
        }
    }

    private void MapUser(ClaudeEntry line, string conversation, DateTimeOffset timestamp, List<SessionEvent> events)
    {
        if (line.IsMeta == true)
        {
            // Context the CLI adds for the model (recorded in transcripts only), not something anyone wrote.
            return;
        }

        if (ClaudeContent.UserText(line) is { } text)
        {
            // The CLI records an interrupt as a user message of its own; nobody wrote it, so it is shown as a notice.
            Whole(events, conversation, text.StartsWith("[Request interrupted by user", StringComparison.Ordinal)
                ? new SystemBlock { Id = line.Uuid ?? $"interrupted-{Guid.NewGuid():N}", Timestamp = timestamp, Subtype = "interrupted", Message = "Interrupted by the user." }
                : new UserMessageBlock { Id = line.Uuid ?? $"user-{Guid.NewGuid():N}", Timestamp = timestamp, Content = text });
        }

        if (line.ContentBlocks is not { } blocks)
        {
            return;
        }

        foreach (var result in blocks.Where(b => b.Type == "tool_result"))
        {
            var toolUseId = result.ToolUseId ?? "";
            var isError = result.IsError ?? false;
            var status = isError ? ToolStatus.Error : ToolStatus.Success;
            _toolCalls.TryGetValue(toolUseId, out var call);
            if (call is { IsSubagent: true })
            {
                var output = ClaudeContent.SubagentOutput(line.ToolUseResult, result.ResultText);
                events.Add(new BlockUpdateEvent { ConversationId = call.Conversation, BlockId = call.BlockId, Updates = new BlockUpdate { Status = status, Output = output } });
                continue;
            }

            if (call is not null)
            {
                events.Add(new BlockUpdateEvent { ConversationId = call.Conversation, BlockId = call.BlockId, Updates = new BlockUpdate { Status = status } });
            }

            Whole(events, conversation, new ToolResultBlock
            {
                Id = ClaudeContent.ToolResultBlockId(toolUseId),
                Timestamp = timestamp,
                ToolUseId = toolUseId,
                Output = result.ResultText,
                IsError = isError,
                DurationMs = call is null ? null : Math.Max(0, (long)(timestamp - call.Timestamp).TotalMilliseconds),
            });
        }
    }

    private TurnOutcome MapResult(JsonObject line, List<SessionEvent> events)
    {
        var turn = TurnUsage.FromResult(line);
        Totals = new SessionMetadata { Usage = Totals.Usage + turn.Usage, CostUsd = Totals.CostUsd + turn.CostUsd, Model = _lastModel ?? turn.Model ?? Totals.Model };
        events.Add(new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = Totals });

        var subtype = TolerantJson.String(line, "subtype") ?? "success";
        var isError = TolerantJson.Bool(line, "is_error") == true || subtype.StartsWith("error", StringComparison.Ordinal);
        var message = TolerantJson.String(line, "result")
            ?? (TolerantJson.Array(line, "errors") is { Count: > 0 } errors ? string.Join("; ", errors.Select(e => e?.ToString())) : null)
            ?? subtype;
        return new TurnOutcome(isError, message, subtype);
    }

    private static void Whole(List<SessionEvent> events, string conversation, ConversationBlock block)
    {
        events.Add(new BlockStartEvent { ConversationId = conversation, Block = block });
        events.Add(new BlockCompleteEvent { ConversationId = conversation, BlockId = block.Id, Block = block });
    }

    private static JsonObject WithInput(JsonObject start, string json)
    {
        var content = (JsonObject)start.DeepClone();
        try
        {
            content["input"] = string.IsNullOrWhiteSpace(json) ? new JsonObject() : JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            content["input"] = new JsonObject { ["partial_json"] = json };
        }

        return content;
    }

    private sealed class OpenBlock(string conversation, int index, string kind, ConversationBlock block, JsonObject startContent)
    {
        public string Conversation { get; } = conversation;

        public int Index { get; } = index;

        public string Kind { get; } = kind;

        public ConversationBlock Block { get; } = block;

        public JsonObject StartContent { get; } = startContent;

        public StringBuilder Content { get; } = new();

        public bool Completed { get; set; }
    }

    private sealed record ToolCall(string Conversation, string BlockId, bool IsSubagent, DateTimeOffset Timestamp);
}

/// <summary>The events one message maps to, and how the turn ended when the message ends it.</summary>
internal sealed record MappedLine(IReadOnlyList<SessionEvent> Events, TurnOutcome? Outcome);

/// <summary>How a turn ended, from its <c>result</c> message.</summary>
/// <param name="IsError">Whether the turn failed.</param>
/// <param name="Message">The final text, or the error.</param>
/// <param name="Subtype">The result's subtype, such as <c>success</c> or <c>error_during_execution</c>.</param>
internal sealed record TurnOutcome(bool IsError, string Message, string Subtype);
