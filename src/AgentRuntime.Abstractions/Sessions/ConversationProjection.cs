using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;

namespace AgentRuntime.Sessions;

/// <summary>
/// Folds a session's events into its blocks: the main thread, the subagent threads and the metadata. The server keeps
/// one per loaded session and rebuilds it by replaying the log; clients use the same rules, so a replay shows exactly
/// what a live subscriber saw. Events are applied once each, in sequence order; older or repeated ones are ignored.
/// Not thread-safe.
/// </summary>
public sealed class ConversationProjection
{
    private readonly List<Entry> _main = [];
    private readonly Dictionary<string, List<Entry>> _threads = [];
    private readonly List<string> _threadOrder = [];
    private readonly Dictionary<string, Entry> _byId = [];

    /// <summary>The sequence number of the last event applied.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The main conversation's totals, once reported.</summary>
    public SessionMetadata? Metadata { get; private set; }

    /// <summary>Applies one event. Returns <see langword="false"/> when it was already applied (its seq is not newer).</summary>
    public bool Apply(SessionEvent e)
    {
        if (e.Seq != 0 && e.Seq <= LastSeq)
        {
            return false;
        }

        LastSeq = e.Seq == 0 ? LastSeq : e.Seq;
        switch (e)
        {
            case BlockStartEvent start:
                Upsert(start.ConversationId, start.Block);
                break;
            case BlockDeltaEvent delta when _byId.TryGetValue(delta.BlockId, out var entry):
                (entry.Text ??= new StringBuilder(ContentOf(entry.Block))).Append(delta.Delta);
                break;
            case BlockUpdateEvent update when _byId.TryGetValue(update.BlockId, out var entry):
                entry.Block = Merge(entry.Current, update);
                entry.Text = null;
                break;
            case BlockCompleteEvent complete:
                Upsert(complete.ConversationId, complete.Block);
                break;
            case MetadataUpdateEvent metadata when metadata.ConversationId == Conversations.Main:
                Metadata = metadata.Metadata;
                break;
        }

        return true;
    }

    /// <summary>The main thread's blocks as they stand.</summary>
    public IReadOnlyList<ConversationBlock> Blocks => _main.Select(e => e.Current).ToList();

    /// <summary>The subagent threads as they stand, in the order they started.</summary>
    public IReadOnlyList<SubagentThread> Subagents =>
        _threadOrder.Select(id => new SubagentThread { Id = id, Blocks = _threads[id].Select(e => e.Current).ToList() }).ToList();

    /// <summary>A block by id, from any thread.</summary>
    public ConversationBlock? GetBlock(string blockId) => _byId.TryGetValue(blockId, out var entry) ? entry.Current : null;

    private void Upsert(string conversationId, ConversationBlock block)
    {
        if (_byId.TryGetValue(block.Id, out var existing))
        {
            existing.Block = block;
            existing.Text = null;
            return;
        }

        var entry = new Entry { Block = block };
        _byId[block.Id] = entry;
        Thread(conversationId).Add(entry);
        if (block is SubagentBlock subagent)
        {
            Thread(subagent.SubagentId);
        }
    }

    private List<Entry> Thread(string conversationId)
    {
        if (conversationId == Conversations.Main)
        {
            return _main;
        }

        if (!_threads.TryGetValue(conversationId, out var thread))
        {
            _threads[conversationId] = thread = [];
            _threadOrder.Add(conversationId);
        }

        return thread;
    }

    private static string ContentOf(ConversationBlock block) => block switch
    {
        AssistantTextBlock text => text.Content,
        ThinkingBlock thinking => thinking.Content,
        _ => "",
    };

    // Updates name properties in the block's wire shape. Those the runtime's mappers send (a tool call's status, a
    // subagent's output, a notice's message, ...) are applied to the typed block; anything else is merged through
    // JSON, which applies any property to any block type. Both give the same block.
    private static ConversationBlock Merge(ConversationBlock block, BlockUpdateEvent update) =>
        Apply(block, update.Updates) ?? MergeThroughJson(block, update);

    private static ConversationBlock? Apply(ConversationBlock block, JsonObject updates)
    {
        foreach (var (name, value) in updates)
        {
            ConversationBlock? updated = (name, block) switch
            {
                ("type" or "id", _) => block,
                ("status", ToolUseBlock b) when Status(value) is { } status => b with { Status = status },
                ("status", SubagentBlock b) when Status(value) is { } status => b with { Status = status },
                ("output", SubagentBlock b) when value is null || String(value) is not null => b with { Output = String(value) },
                ("output", ToolResultBlock b) when String(value) is { } output => b with { Output = output },
                ("isError", ToolResultBlock b) when value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b with { IsError = value.GetValue<bool>() },
                ("message", SystemBlock b) when String(value) is { } message => b with { Message = message },
                ("message", ErrorBlock b) when String(value) is { } message => b with { Message = message },
                ("metadata", SystemBlock b) when value is null or JsonObject => b with { Metadata = (JsonObject?)value?.DeepClone() },
                ("toolName", ToolUseBlock b) when String(value) is { } toolName => b with { ToolName = toolName },
                ("input", ToolUseBlock b) when value is JsonObject input => b with { Input = Element(input) },
                ("input", SubagentBlock b) when value is JsonObject input => b with { Input = Element(input) },
                ("name", SubagentBlock b) when value is null || String(value) is not null => b with { Name = String(value) },
                ("content", AssistantTextBlock b) when String(value) is { } content => b with { Content = content },
                ("content", ThinkingBlock b) when String(value) is { } content => b with { Content = content },
                ("content", UserMessageBlock b) when String(value) is { } content => b with { Content = content },
                _ => null,
            };
            if (updated is null)
            {
                return null;
            }

            block = updated;
        }

        return block;
    }

    private static string? String(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    // The names the protocol gives the statuses; any other spelling (the JSON merge reads those too) goes through JSON.
    private static ToolStatus? Status(JsonNode? value) => String(value) switch
    {
        "pending" => ToolStatus.Pending,
        "running" => ToolStatus.Running,
        "success" => ToolStatus.Success,
        "error" => ToolStatus.Error,
        _ => null,
    };

    private static JsonElement Element(JsonObject value) => JsonSerializer.SerializeToElement(value, AgentRuntimeJsonContext.Default.JsonObject);

    private static ConversationBlock MergeThroughJson(ConversationBlock block, BlockUpdateEvent update)
    {
        var node = JsonSerializer.SerializeToNode(block, AgentRuntimeJsonContext.Default.ConversationBlock)!.AsObject();
        foreach (var (name, value) in update.Updates)
        {
            if (name != "type" && name != "id")
            {
                node[name] = value?.DeepClone();
            }
        }

        return node.Deserialize(AgentRuntimeJsonContext.Default.ConversationBlock)!;
    }

    private sealed class Entry
    {
        public required ConversationBlock Block { get; set; }

        // Deltas accumulate here rather than in a new record per delta, which would copy the text each time.
        public StringBuilder? Text { get; set; }

        public ConversationBlock Current => Text is null ? Block : Block switch
        {
            AssistantTextBlock text => text with { Content = Text.ToString() },
            ThinkingBlock thinking => thinking with { Content = Text.ToString() },
            _ => Block,
        };
    }
}
