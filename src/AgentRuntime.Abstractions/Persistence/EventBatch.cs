using AgentRuntime.Events;

namespace AgentRuntime.Persistence;

/// <summary>Events to append to one session's log, as part of <see cref="IAgentStore.AppendEventBatchesAsync"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ExpectedLastSeq">
/// The last sequence number the writer knows its session's log to end at (0 for an empty log). The store appends the
/// batch only if the log ends there, checked atomically with the append; otherwise it refuses it with
/// <see cref="EventLogConflictException"/>: another writer appended meanwhile.
/// </param>
/// <param name="Events">The events, in order, not yet numbered.</param>
public sealed record EventBatch(string SessionId, long ExpectedLastSeq, IReadOnlyList<SessionEvent> Events);
