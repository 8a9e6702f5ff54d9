using System.Collections.Concurrent;

namespace AgentRuntime.Persistence.Sqlite;

/// <summary>
/// The last seq the store gave each session's log, so that appending to a log it numbered last needs no reads. Only a
/// hint: the append's own statements check it against the file (see <c>AppendEventBatchesAsync</c>), and a wrong one
/// costs a retry, never a wrong number. Forgotten on a failed append and on a session's deletion.
/// </summary>
internal sealed class LastSeqCache
{
    // Past this many sessions it starts again from empty rather than grow with every session the store ever saw.
    private const int MaxSessions = 100_000;

    private readonly ConcurrentDictionary<string, long> _lastSeqs = new(StringComparer.Ordinal);

    public bool TryGet(string sessionId, out long lastSeq) => _lastSeqs.TryGetValue(sessionId, out lastSeq);

    /// <summary>Records the seqs a committed append ended at.</summary>
    public void Remember(Dictionary<string, long> lastSeqs)
    {
        if (_lastSeqs.Count + lastSeqs.Count > MaxSessions)
        {
            _lastSeqs.Clear();
        }

        foreach (var (sessionId, lastSeq) in lastSeqs)
        {
            _lastSeqs[sessionId] = lastSeq;
        }
    }

    public void Forget(string sessionId) => _lastSeqs.TryRemove(sessionId, out _);

    public void Forget(IReadOnlyList<EventBatch> batches)
    {
        foreach (var batch in batches)
        {
            Forget(batch.SessionId);
        }
    }
}
