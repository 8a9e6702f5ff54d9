using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence;

/// <summary>
/// A place in the session list, which runs most recently active first and, among sessions last active at the same
/// instant, by id (ordinal): the place of a page's last session, after which the next page starts. It names a place,
/// not a session, so it stays valid when that session changes or goes: a session that did not change keeps its place,
/// and paging on while others change neither skips nor repeats it.
/// </summary>
/// <param name="LastActivityUtcTicks">The last activity, as UTC ticks (<see cref="DateTimeOffset.UtcTicks"/>).</param>
/// <param name="SessionId">The session's id.</param>
public sealed record SessionListPosition(long LastActivityUtcTicks, string SessionId)
{
    /// <summary>The place of a session as last stored.</summary>
    public static SessionListPosition Of(SessionSummary session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new(session.LastActivity.UtcTicks, session.SessionId);
    }

    /// <summary>Whether a session with this last activity and id comes after this place in the list.</summary>
    public bool IsBefore(long lastActivityUtcTicks, string sessionId) =>
        lastActivityUtcTicks < LastActivityUtcTicks
        || (lastActivityUtcTicks == LastActivityUtcTicks && string.CompareOrdinal(sessionId, SessionId) > 0);
}
