using AgentRuntime.Events;
using Xunit;

namespace AgentRuntime.Persistence.Tests.Conformance;

/// <summary>Appends as writers that do not hold the log do: many of them contending for it, for tests of contention.</summary>
internal static class StoreEventExtensions
{
    /// <summary>
    /// Appends after the log's last seq as read now, and again from a fresh read whenever another writer got there
    /// first (<see cref="EventLogConflictException"/>). Returns the events numbered and how many tries were refused.
    /// </summary>
    public static async Task<(IReadOnlyList<SessionEvent> Appended, int Refused)> AppendRetryingAsync(
        this IAgentStore store, string sessionId, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
    {
        for (var refused = 0; ; refused++)
        {
            var last = await store.GetLastSeqAsync(sessionId, cancellationToken);
            try
            {
                return (await store.AppendEventsAsync(sessionId, last, events, cancellationToken), refused);
            }
            catch (EventLogConflictException conflict) when (conflict.SessionId == sessionId && conflict.ExpectedLastSeq == last)
            {
                Assert.True(conflict.ActualLastSeq > last, $"Refused at {last} though the log ended at {conflict.ActualLastSeq}.");
            }
        }
    }
}
