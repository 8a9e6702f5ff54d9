namespace AgentRuntime.Persistence;

/// <summary>
/// The store refused an append to a session's log because the log did not end at the sequence number its writer
/// expected: another writer appended to it meanwhile (two nodes holding one session, say a node declared dead that
/// still runs). Nothing of the refused batch was stored. The writer's view of the log is stale: it must stop writing,
/// and whoever loads the session again reads the log as the other writer left it.
/// </summary>
/// <param name="sessionId">The session whose log refused the append.</param>
/// <param name="expectedLastSeq">The last sequence number the writer expected the log to end at.</param>
/// <param name="actualLastSeq">The last sequence number the log ended at when it refused the append.</param>
public sealed class EventLogConflictException(string sessionId, long expectedLastSeq, long actualLastSeq)
    : Exception($"The event log of session '{sessionId}' ends at seq {actualLastSeq}, not at {expectedLastSeq} as its writer expected: "
        + "another writer appended to it. Nothing was appended; load the session again to read the log as it is.")
{
    /// <summary>The session whose log refused the append.</summary>
    public string SessionId { get; } = sessionId;

    /// <summary>The last sequence number the writer expected the log to end at.</summary>
    public long ExpectedLastSeq { get; } = expectedLastSeq;

    /// <summary>The last sequence number the log ended at when it refused the append.</summary>
    public long ActualLastSeq { get; } = actualLastSeq;
}
