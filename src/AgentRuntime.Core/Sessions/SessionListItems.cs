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
        Name = record.Name,
        CreatedAt = record.CreatedAt,
        LastActivity = lastActivity,
        TurnState = turnState,
        Runtime = runtime,
    };

    /// <summary>The item of a session that is not in memory: idle, no sandbox.</summary>
    public static SessionListItem Unloaded(SessionRecord record) =>
        From(record, record.LastActivity, TurnState.Idle, new SessionRuntime { IsLoaded = false });
}
