namespace AgentRuntime.Sessions;

/// <summary>Builds the list item of a session, loaded or not, from its stored record and its live state.</summary>
internal static class SessionListItems
{
    public static SessionListItem From(SessionRecord record, DateTimeOffset lastActivity, TurnState turnState, SessionRuntime runtime) => new()
    {
        SessionId = record.SessionId,
        TenantId = record.TenantId,
        Architecture = record.Architecture,
        AgentProfileRef = record.AgentProfileRef,
        AgentProfileVersion = record.AgentProfileVersion,
        Name = record.Name,
        CreatedAt = record.CreatedAt,
        LastActivity = lastActivity,
        TurnState = turnState,
        Runtime = runtime,
    };

    /// <summary>The item of a session that is not in memory: idle, no sandbox.</summary>
    public static SessionListItem Unloaded(SessionSummary summary) => new()
    {
        SessionId = summary.SessionId,
        TenantId = summary.TenantId,
        Architecture = summary.Architecture,
        AgentProfileRef = summary.AgentProfileRef,
        AgentProfileVersion = summary.AgentProfileVersion,
        Name = summary.Name,
        CreatedAt = summary.CreatedAt,
        LastActivity = summary.LastActivity,
        TurnState = TurnState.Idle,
        Runtime = NotLoaded,
    };

    // Immutable, so one instance serves every unloaded item.
    private static readonly SessionRuntime NotLoaded = new() { IsLoaded = false };
}
