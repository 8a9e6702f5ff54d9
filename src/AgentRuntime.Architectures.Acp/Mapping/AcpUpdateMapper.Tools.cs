using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Blocks;
using AgentRuntime.Events;

namespace AgentRuntime.Architectures.Acp.Mapping;

// Tool calls: tool_call and tool_call_update (and the tool call of a permission request) become one tool_use block
// whose status follows the call (pending, running, success, error); a finished call adds a tool_result block.
internal sealed partial class AcpUpdateMapper
{
    private readonly Dictionary<string, ToolState> _tools = [];
    private readonly List<string> _pendingResults = [];

    /// <summary>Finished calls whose result waits for <see cref="ResolveToolResult"/>.</summary>
    public IReadOnlyList<string> PendingToolResults => _pendingResults;

    /// <summary>Shows a deferred result with what the agent recorded about the call (its real input and output).</summary>
    public IReadOnlyList<SessionEvent> ResolveToolResult(string toolCallId, AcpToolDetails details)
    {
        var events = new List<SessionEvent>();
        if (!_pendingResults.Remove(toolCallId) || !_tools.TryGetValue(toolCallId, out var state))
        {
            return events;
        }

        var updates = new JsonObject();
        if (details.Input is { } input)
        {
            state.Block = state.Block with { Input = TolerantJson.ToElement(input) };
            updates["input"] = input.DeepClone();
        }

        if (details.ToolName is { Length: > 0 } name && name != state.Block.ToolName)
        {
            state.Block = state.Block with { ToolName = name };
            updates["toolName"] = name;
        }

        if (details.IsError && state.Block.Status != ToolStatus.Error)
        {
            state.Block = state.Block with { Status = ToolStatus.Error };
            updates["status"] = StatusJson(ToolStatus.Error);
        }

        if (updates.Count > 0)
        {
            events.Add(new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = toolCallId, Updates = updates });
        }

        Result(state, details.Output, details.IsError, events);
        return events;
    }

    private void MapPermission(AcpPermissionRequest permission, List<SessionEvent> events)
    {
        var call = (JsonObject)permission.ToolCall.DeepClone();
        call["status"] ??= "pending";
        var state = Tool(call, events);
        if (state is null || permission.Decision.Allowed || state.Terminal)
        {
            return;
        }

        // A rejected call never runs, and the agent need not report it again: it ends here.
        state.Block = state.Block with { Status = ToolStatus.Error };
        state.Terminal = true;
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = state.Block.Id, Block = state.Block });
        Result(state, $"Not run: {permission.Decision.Reason}", isError: true, events);
    }

    private ToolState? Tool(JsonObject call, List<SessionEvent> events)
    {
        var id = TolerantJson.String(call, "toolCallId") ?? NextId();
        var status = AcpToolContent.Status(call);
        if (!_tools.TryGetValue(id, out var state))
        {
            Close(events);
            var block = new ToolUseBlock
            {
                Id = id,
                Timestamp = Now,
                ToolName = AcpToolNames.Of(call, options.ToolName),
                ToolUseId = id,
                Input = TolerantJson.ToElement(AcpToolContent.Input(call)),
                Status = status ?? ToolStatus.Pending,
            };
            state = new ToolState(block, Now);
            _tools[id] = state;
            events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
        }
        else if (state.Terminal)
        {
            // A finished call is shown as it finished; later updates of it change nothing the user sees.
            return state;
        }
        else
        {
            var updates = new JsonObject();
            if (status is { } changed && changed != state.Block.Status)
            {
                state.Block = state.Block with { Status = changed };
                updates["status"] = StatusJson(changed);
            }

            if (call["rawInput"] is JsonObject rawInput)
            {
                state.Block = state.Block with { Input = TolerantJson.ToElement(rawInput) };
                updates["input"] = rawInput.DeepClone();
            }

            if (updates.Count > 0)
            {
                events.Add(new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = id, Updates = updates });
            }
        }

        if (AcpToolContent.IsTerminal(state.Block.Status))
        {
            Finish(state, AcpToolContent.Output(call), state.Block.Status == ToolStatus.Error, defer: options.DeferToolResults, events);
        }

        return state;
    }

    private void Finish(ToolState state, string output, bool isError, bool defer, List<SessionEvent> events)
    {
        state.Terminal = true;
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = state.Block.Id, Block = state.Block });
        if (defer)
        {
            state.Fallback = (output, isError);
            _pendingResults.Add(state.Block.Id);
        }
        else
        {
            Result(state, output, isError, events);
        }
    }

    private void FinishOpenTools(List<SessionEvent> events)
    {
        foreach (var state in _tools.Values.Where(s => !s.Terminal).ToList())
        {
            state.Block = state.Block with { Status = ToolStatus.Error };
            Finish(state, "The turn ended before the tool finished.", isError: true, defer: false, events);
        }

        foreach (var id in _pendingResults.ToList())
        {
            _pendingResults.Remove(id);
            var state = _tools[id];
            Result(state, state.Fallback.Output, state.Fallback.IsError, events);
        }
    }

    private void Result(ToolState state, string output, bool isError, List<SessionEvent> events)
    {
        var block = new ToolResultBlock
        {
            Id = $"{state.Block.Id}:result",
            Timestamp = Now,
            ToolUseId = state.Block.Id,
            Output = output,
            IsError = isError,
            DurationMs = Math.Max(0, (long)(Now - state.StartedAt).TotalMilliseconds),
        };
        events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block });
    }

    // camelCase as the protocol documents it; the shared JSON context reads it either way.
    private static JsonNode StatusJson(ToolStatus status) => JsonValue.Create(JsonNamingPolicy.CamelCase.ConvertName(status.ToString()));

    private sealed class ToolState(ToolUseBlock block, DateTimeOffset startedAt)
    {
        public ToolUseBlock Block { get; set; } = block;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public bool Terminal { get; set; }

        public (string Output, bool IsError) Fallback { get; set; } = ("", false);
    }
}
