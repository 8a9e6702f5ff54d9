using System.Diagnostics;
using AgentRuntime.Events;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// What one subscriber received: which seqs (to count the lost, duplicated and out-of-order ones against the log), the
/// latency of each measured delta from its production to its receipt, and when each turn's end arrived. Written by the
/// subscriber's one reading loop; read once that loop has stopped.
/// </summary>
internal sealed class SubscriberTally
{
    private readonly HashSet<long> _seen = [];
    private readonly SemaphoreSlim _turnEnds = new(0);
    private long _highest;
    private volatile bool _measuring;

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    /// <summary>Milliseconds from production to receipt of each delta received while measuring.</summary>
    public List<double> Latencies { get; } = [];

    /// <summary>When the server appended the last turn end it received (the event's own timestamp).</summary>
    public DateTimeOffset LastTurnEndAppended { get; private set; }

    /// <summary>When the last turn end arrived (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastTurnEndReceived { get; private set; }

    /// <summary>Why the subscription ended before it was stopped (lagged, failed), if it did.</summary>
    public string? Failure { get; private set; }

    /// <summary>From now on, deltas' latencies are kept (the warm-up turn's are not).</summary>
    public void StartMeasuring() => _measuring = true;

    public void Record(SessionEvent e, long receivedAt)
    {
        if (!_seen.Add(e.Seq))
        {
            Duplicates++;
        }
        else if (e.Seq < _highest)
        {
            OutOfOrder++;
        }

        _highest = Math.Max(_highest, e.Seq);
        if (_measuring && e is BlockDeltaEvent delta && StreamingArchitecture.ProducedAt(delta.Delta) is { } producedAt)
        {
            Latencies.Add(Stopwatch.GetElapsedTime(producedAt, receivedAt).TotalMilliseconds);
        }

        if (e is TurnCompletedEvent or TurnFailedEvent)
        {
            LastTurnEndAppended = e.Timestamp;
            LastTurnEndReceived = receivedAt;
            _turnEnds.Release();
        }
    }

    /// <summary>The subscription ended on its own; nothing more will come, so nobody waits for it.</summary>
    public void Fail(string reason)
    {
        Failure ??= reason;
        _turnEnds.Release(1000);
    }

    /// <summary>Waits for the next turn end, or for the subscription's failure; false when the time ran out.</summary>
    public Task<bool> WaitForTurnEndAsync(TimeSpan timeout, CancellationToken cancellationToken) => _turnEnds.WaitAsync(timeout, cancellationToken);

    /// <summary>How many of the log's seqs 1 to <paramref name="lastSeq"/> never arrived.</summary>
    public long Lost(long lastSeq) => lastSeq - _seen.Count(s => s >= 1 && s <= lastSeq);
}
