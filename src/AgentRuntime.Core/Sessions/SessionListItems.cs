namespace AgentRuntime.Sessions;

/// <summary>Builds the list item of a session, loaded or not, from its stored record and its live state.</summary>
internal static class SessionListItems
{
    public static SessionListItem From(SessionRecord record, DateTimeOffset lastActivity, TurnState turnState, SessionRuntime runtime) =>
        new(record, turnState, runtime) { LastActivity = lastActivity };

    /// <summary>The item of a session that is not in memory: idle, no sandbox.</summary>
    public static SessionListItem Unloaded(SessionSummary summary) => new(summary, TurnState.Idle, NotLoaded);

    // Immutable, so one instance serves every unloaded item.
    private static readonly SessionRuntime NotLoaded = new() { IsLoaded = false };
}
