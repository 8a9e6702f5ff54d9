namespace AgentRuntime.Sessions;

/// <summary>A session as <c>GET /api/sessions</c> lists it.</summary>
public record SessionListItem
{
    private readonly string _tenantId = Security.Tenants.Default;

    /// <summary>The session's identifier (a GUID).</summary>
    public required string SessionId { get; init; }

    /// <summary>The tenant that owns the session.</summary>
    public string TenantId
    {
        // The JSON source generator sets an init-only property it did not find to null rather than leave a default;
        // kept as the default rather than null, so items compare equal however they were made.
        get => _tenantId;
        init => _tenantId = value ?? Security.Tenants.Default;
    }

    /// <summary>The agent architecture, such as <c>claude-agent-sdk</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>The id of the agent profile the session was created with.</summary>
    public required string AgentProfileRef { get; init; }

    /// <summary>The version of the profile the session runs on; absent for the latest (sessions made before versions).</summary>
    public int? AgentProfileVersion { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>When the session was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When anything last happened in the session.</summary>
    public required DateTimeOffset LastActivity { get; init; }

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
