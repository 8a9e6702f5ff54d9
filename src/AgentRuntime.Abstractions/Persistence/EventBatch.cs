using AgentRuntime.Events;

namespace AgentRuntime.Persistence;

/// <summary>Events to append to one session's log, as part of <see cref="IAgentStore.AppendEventBatchesAsync"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Events">The events, in order, not yet numbered.</param>
public sealed record EventBatch(string SessionId, IReadOnlyList<SessionEvent> Events);
