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
    private readonly List<ApprovalRequestedEvent> _pendingApprovals = [];
    private readonly HashSet<string> _resolvedApprovals = [];

    /// <summary>The sequence number of the last event applied.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The main conversation's totals, once reported.</summary>
    public SessionMetadata? Metadata { get; private set; }

    /// <summary>The approvals asked and not yet resolved, in the order they were asked.</summary>
    public IReadOnlyList<ApprovalRequestedEvent> PendingApprovals => _pendingApprovals;

    /// <summary>Whether an approval of this session was decided.</summary>
    public bool IsApprovalResolved(string approvalId) => _resolvedApprovals.Contains(approvalId);

    /// <summary>The session's options as last updated.</summary>
    public SessionOptions Options { get; private set; } = new();

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
                Upsert(start.ConversationId, start.Block).Open = true;
                break;
            case BlockDeltaEvent delta when _byId.TryGetValue(delta.BlockId, out var entry):
                (entry.Text ??= new StringBuilder(ContentOf(entry.Block))).Append(delta.Delta);
                break;
            case BlockUpdateEvent update when _byId.TryGetValue(update.BlockId, out var entry):
                entry.Block = update.Updates.ApplyTo(entry.Current);
                entry.Text = null;
                break;
            case BlockCompleteEvent complete:
                Upsert(complete.ConversationId, complete.Block).Open = false;
                break;
            case MetadataUpdateEvent metadata when metadata.ConversationId == Conversations.Main:
                Metadata = metadata.Metadata;
                break;
            case ApprovalRequestedEvent requested:
                _pendingApprovals.Add(requested);
                break;
            case ApprovalResolvedEvent resolved:
                _pendingApprovals.RemoveAll(a => a.ApprovalId == resolved.ApprovalId);
                _resolvedApprovals.Add(resolved.ApprovalId);
                break;
            case OptionsUpdateEvent options:
                Options = options.Options;
                break;
        }

        return true;
    }

    /// <summary>The main thread's blocks as they stand.</summary>
    public IReadOnlyList<ConversationBlock> Blocks => _main.Select(e => e.Current).ToList();

    /// <summary>The subagent threads as they stand, in the order they started.</summary>
    public IReadOnlyList<SubagentThread> Subagents =>
        _threadOrder.Select(id => new SubagentThread { Id = id, Blocks = _threads[id].Select(e => e.Current).ToList() }).ToList();

    /// <summary>The blocks started and not yet completed, with their thread, in start order per thread.</summary>
    public IReadOnlyList<(string ConversationId, ConversationBlock Block)> OpenBlocks =>
        [.. _main.Where(e => e.Open).Select(e => (Conversations.Main, e.Current)),
         .. _threadOrder.SelectMany(id => _threads[id].Where(e => e.Open).Select(e => (id, e.Current)))];

    /// <summary>A block by id, from any thread.</summary>
    public ConversationBlock? GetBlock(string blockId) => _byId.TryGetValue(blockId, out var entry) ? entry.Current : null;

    private Entry Upsert(string conversationId, ConversationBlock block)
    {
        if (_byId.TryGetValue(block.Id, out var existing))
        {
            existing.Block = block;
            existing.Text = null;
            return existing;
        }

        var entry = new Entry { Block = block };
        _byId[block.Id] = entry;
        Thread(conversationId).Add(entry);
        if (block is SubagentBlock subagent)
        {
            Thread(subagent.SubagentId);
        }

        return entry;
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

    private sealed class Entry
    {
        public required ConversationBlock Block { get; set; }

        // Started and not yet completed: streaming, or a tool call still running.
        public bool Open { get; set; }

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
