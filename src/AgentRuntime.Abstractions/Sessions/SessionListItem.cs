using System.Diagnostics.CodeAnalysis;

namespace AgentRuntime.Sessions;

/// <summary>A session as <c>GET /api/sessions</c> lists it: its summary and its live state.</summary>
public record SessionListItem : SessionSummary
{
    /// <summary>An item to fill in.</summary>
    public SessionListItem()
    {
    }

    /// <summary>The item of a session: what its summary says, with its live state.</summary>
    /// <param name="summary">The session's summary (or its record).</param>
    /// <param name="turnState">Whether a turn is running.</param>
    /// <param name="runtime">Loaded state and sandbox.</param>
    [SetsRequiredMembers]
    public SessionListItem(SessionSummary summary, TurnState turnState, SessionRuntime runtime)
        : base(summary)
    {
        TurnState = turnState;
        Runtime = runtime;
    }

    /// <summary>Whether a turn is running.</summary>
    public required TurnState TurnState { get; init; }

    /// <summary>Loaded state and sandbox.</summary>
    public required SessionRuntime Runtime { get; init; }
}

/// <summary>A session with its conversation, as <c>GET /api/sessions/{id}</c> returns it.</summary>
public sealed record SessionDetail : SessionListItem
{
    /// <summary>The main thread's blocks, in order.</summary>
    public required IReadOnlyList<Blocks.ConversationBlock> Blocks { get; init; }

    /// <summary>The subagents' threads.</summary>
    public required IReadOnlyList<SubagentThread> Subagents { get; init; }

    /// <summary>The files of the session's workspace as last persisted.</summary>
    public required IReadOnlyList<WorkspaceFileInfo> WorkspaceFiles { get; init; }

    /// <summary>Totals of the main conversation.</summary>
    public SessionMetadata? Metadata { get; init; }

    /// <summary>The approvals that wait for an answer, in the order they were asked.</summary>
    public IReadOnlyList<Events.ApprovalRequestedEvent> PendingApprovals { get; init; } = [];

    /// <summary>What the session sets for itself over its profile.</summary>
    public SessionOptions Options { get; init; } = new();

    /// <summary>The sequence number of the last logged event; subscribe after it to follow the session.</summary>
    public required long LastSeq { get; init; }
}

/// <summary>The blocks of one subagent's thread.</summary>
public sealed record SubagentThread
{
    /// <summary>The subagent id, which is the thread's conversation id.</summary>
    public required string Id { get; init; }

    /// <summary>The thread's blocks, in order.</summary>
    public required IReadOnlyList<Blocks.ConversationBlock> Blocks { get; init; }
}

/// <summary>A file of a session's workspace.</summary>
public sealed record WorkspaceFileInfo
{
    /// <summary>Path relative to the workspace root, with forward slashes.</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Lower-case hex SHA-256 of the content.</summary>
    public required string Hash { get; init; }

    /// <summary>When the runtime last saw it change.</summary>
    public DateTimeOffset ModifiedAt { get; init; }
}
