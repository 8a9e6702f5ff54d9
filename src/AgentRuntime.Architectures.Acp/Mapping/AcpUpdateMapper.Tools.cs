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
    private static readonly BlockUpdate Unchanged = new();
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

        var update = new BlockUpdate
        {
            Input = details.Input is { } input ? TolerantJson.ToElement(input) : null,
            ToolName = details.ToolName is { Length: > 0 } name && name != state.Block.ToolName ? name : null,
            Status = details.IsError && state.Block.Status != ToolStatus.Error ? ToolStatus.Error : null,
        };
        Update(state, update, events);

        Result(state, details.Output, details.IsError, events);
        return events;
    }

    // A permission request shows its tool call (started, or updated with what the request says of it); a decision, when
    // the request comes with one, ends a rejected call.
    private void MapPermission(JsonObject toolCall, AcpPermissionDecision? decision, List<SessionEvent> events)
    {
        var call = (JsonObject)toolCall.DeepClone();
        call["status"] ??= "pending";
        if (Tool(call, events) is { } state && decision is { Allowed: false })
        {
            Reject(state, decision, events);
        }
    }

    // A decision that came later, from the session's approvals: only a rejection changes what the call shows.
    private void MapPermissionAnswered(AcpPermissionAnswered answered, List<SessionEvent> events)
    {
        if (!answered.Decision.Allowed && TolerantJson.String(answered.ToolCall, "toolCallId") is { } id && _tools.TryGetValue(id, out var state))
        {
            Reject(state, answered.Decision, events);
        }
    }

    private void Reject(ToolState state, AcpPermissionDecision decision, List<SessionEvent> events)
    {
        if (state.Terminal)
        {
            return;
        }

        // A rejected call never runs, and the agent need not report it again: it ends here.
        state.Block = state.Block with { Status = ToolStatus.Error };
        state.Terminal = true;
        events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = state.Block.Id, Block = state.Block });
        Result(state, $"Not run: {decision.Reason}", isError: true, events);
    }

    /// <summary>The tool's name behind a call, by the agent's convention.</summary>
    public string ToolNameOf(JsonObject toolCall) => AcpToolNames.Of(toolCall, options.ToolName);

    /// <summary>The block of a tool call, by the call's id, once the mapper has seen it.</summary>
    public string? BlockOf(JsonObject toolCall) =>
        TolerantJson.String(toolCall, "toolCallId") is { } id && _tools.ContainsKey(id) ? id : null;

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
            Update(state, new BlockUpdate
            {
                Status = status is { } changed && changed != state.Block.Status ? changed : null,
                Input = call["rawInput"] is JsonObject rawInput ? TolerantJson.ToElement(rawInput) : null,
            }, events);
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

    // An update that changes nothing is not sent.
    private static void Update(ToolState state, BlockUpdate update, List<SessionEvent> events)
    {
        if (update == Unchanged)
        {
            return;
        }

        state.Block = (ToolUseBlock)update.ApplyTo(state.Block);
        events.Add(new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = state.Block.Id, Updates = update });
    }

    private sealed class ToolState(ToolUseBlock block, DateTimeOffset startedAt)
    {
        public ToolUseBlock Block { get; set; } = block;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public bool Terminal { get; set; }

        public (string Output, bool IsError) Fallback { get; set; } = ("", false);
    }
}
