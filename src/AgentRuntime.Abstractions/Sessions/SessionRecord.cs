namespace AgentRuntime.Sessions;

/// <summary>
/// What persistence keeps of a session besides its log, transcript and files: its summary (id, tenant, architecture,
/// profile, name, times) and what only the session itself needs.
/// </summary>
public sealed record SessionRecord : SessionSummary
{
    /// <summary>How many sandboxes were started for this session after the first.</summary>
    public int SandboxRestartCount { get; init; }

    /// <summary>How many sandboxes were started for this session in all.</summary>
    public int SandboxStartCount { get; init; }

    /// <summary>
    /// The provider's id of the session's last sandbox, so that a restarted server re-attaches to it where the provider's
    /// sandboxes outlive the server (Modal); null before the first.
    /// </summary>
    public string? SandboxId { get; init; }

    /// <summary>Totals of the main conversation.</summary>
    public SessionMetadata Metadata { get; init; } = new();
}
