namespace AgentRuntime.Sessions;

/// <summary>What persistence keeps of a session besides its log, transcript and files.</summary>
public sealed record SessionRecord
{
    /// <summary>The session's identifier (a GUID).</summary>
    public required string SessionId { get; init; }

    /// <summary>The agent architecture.</summary>
    public required string Architecture { get; init; }

    /// <summary>The agent profile's id.</summary>
    public required string AgentProfileRef { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>When the session was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When anything last happened.</summary>
    public required DateTimeOffset LastActivity { get; init; }

    /// <summary>How many sandboxes were started for this session after the first.</summary>
    public int SandboxRestartCount { get; init; }

    /// <summary>How many sandboxes were started for this session in all.</summary>
    public int SandboxStartCount { get; init; }

    /// <summary>Totals of the main conversation.</summary>
    public SessionMetadata Metadata { get; init; } = new();
}
