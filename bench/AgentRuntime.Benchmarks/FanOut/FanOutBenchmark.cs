using System.Diagnostics;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// The whole event path through the real server: N sessions, each with an SSE and a hub subscriber on their own
/// connections, each streaming one turn of deltas at a fixed rate from the stand-in agent. Measures the events appended
/// per second, each delta's latency from its production in the agent connection to its receipt by each subscriber,
/// and what each subscriber missed, got twice or got out of order against the session's log.
/// </summary>
internal static class FanOutBenchmark
{
    /// <summary>The rate of each session's deltas.</summary>
    public const int EventsPerSecond = 200;

    /// <summary>The session counts measured with SQLite; the in-memory store is measured at the largest.</summary>
    public static readonly int[] SessionCounts = [10, 50, 100];

    /// <summary>
    /// A turn of a second before the measured one, at the same rate: the sandboxes are started, every subscriber is
    /// live, and the code on the path has been called often enough to be compiled at its optimized tier, as in a
    /// server that has been up for a while.
    /// </summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);

    public static async Task<List<FanOutResult>> RunAsync(string directory, TimeSpan turn, CancellationToken cancellationToken)
    {
        var results = new List<FanOutResult>();
        foreach (var sessions in SessionCounts)
        {
            results.Add(await RunOnceAsync(directory, sqlite: true, sessions, turn, cancellationToken));
        }

        results.Add(await RunOnceAsync(directory, sqlite: false, SessionCounts[^1], turn, cancellationToken));
        return results;
    }

    private static async Task<FanOutResult> RunOnceAsync(string directory, bool sqlite, int sessions, TimeSpan turn, CancellationToken cancellationToken)
    {
        var store = sqlite ? "SQLite" : "in-memory";
        Console.Error.WriteLine($"Fan-out: {sessions} sessions, {store}...");
        var dataDirectory = Directory.CreateDirectory(Path.Combine(directory, $"fan-out-{store}-{sessions}")).FullName;
        await using var server = await FanOutServer.StartAsync(dataDirectory, sqlite, EventsPerSecond, cancellationToken);
        var ids = await Task.WhenAll(Enumerable.Range(0, sessions).Select(_ => server.CreateSessionAsync(cancellationToken)));

        var sse = ids.Select(_ => new SubscriberTally()).ToArray();
        var hub = ids.Select(_ => new SubscriberTally()).ToArray();
        var all = sse.Concat(hub).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var opened = new List<Task>();
        var readers = new List<Task>();
        for (var i = 0; i < sessions; i++)
        {
            var (id, sseTally, hubTally) = (ids[i], sse[i], hub[i]);
            var sseOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var hubOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            readers.Add(Task.Run(() => EventSubscribers.ReadSseAsync(server.Http, id, sseTally, sseOpened, stop.Token), CancellationToken.None));
            readers.Add(Task.Run(() => EventSubscribers.ReadHubAsync(server.BaseAddress, id, hubTally, hubOpened, stop.Token), CancellationToken.None));
            opened.Add(sseOpened.Task);
            opened.Add(hubOpened.Task);
        }

        try
        {
            await Task.WhenAll(opened).WaitAsync(SetupTimeout, cancellationToken);
            await Task.WhenAll(ids.Select(id => server.SendMessageAsync(id, (int)(WarmUp.TotalSeconds * EventsPerSecond), cancellationToken)));
            if (await WaitForTurnEndsAsync(all, WarmUp + SetupTimeout, cancellationToken) > 0)
            {
                throw new TimeoutException($"The warm-up turn did not reach every subscriber within {(WarmUp + SetupTimeout).TotalSeconds:0} s.");
            }

            var before = await Task.WhenAll(ids.Select(id => server.GetLastSeqAsync(id, cancellationToken)));
            foreach (var tally in all)
            {
                tally.StartMeasuring();
            }

            var started = TimeProvider.System.GetUtcNow();
            ProbeResult probe;
            int unfinished;
            await using (var probing = new ProcessProbe())
            {
                await Task.WhenAll(ids.Select(id => server.SendMessageAsync(id, (int)(turn.TotalSeconds * EventsPerSecond), cancellationToken)));
                unfinished = await WaitForTurnEndsAsync(all, 2 * turn + SetupTimeout, cancellationToken);
                probe = probing.Stop();
            }

            var after = await Task.WhenAll(ids.Select(id => server.GetLastSeqAsync(id, cancellationToken)));
            await StopAsync(stop, readers);

            // The appending ends with the last turn's end, stamped by the server as it was appended; a subscriber that
            // receives late does not stretch it.
            var appendedUntil = all.Max(t => t.LastTurnEndAppended);
            var appended = after.Zip(before, (a, b) => a - b).Sum();
            var result = new FanOutResult(
                store,
                sessions,
                appended,
                appended / (appendedUntil - started).TotalSeconds,
                (double)sessions * EventsPerSecond,
                LatencyStats.Of(sse.SelectMany(t => t.Latencies)),
                LatencyStats.Of(hub.SelectMany(t => t.Latencies)),
                sse.Select((t, i) => t.Lost(after[i])).Sum() + hub.Select((t, i) => t.Lost(after[i])).Sum(),
                all.Sum(t => t.Duplicates),
                all.Sum(t => t.OutOfOrder),
                all.Count(t => t.Failure is not null),
                unfinished,
                probe,
                all.Select(t => t.Failure).FirstOrDefault(f => f is not null));
            Console.Error.WriteLine($"  {probe}");
            return result;
        }
        finally
        {
            await StopAsync(stop, readers);
        }
    }

    /// <summary>Waits until every subscriber has seen one more turn end; returns how many had not within the time.</summary>
    private static async Task<int> WaitForTurnEndsAsync(IEnumerable<SubscriberTally> tallies, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ended = await Task.WhenAll(tallies.Select(t => t.WaitForTurnEndAsync(timeout, cancellationToken)));
        return ended.Count(e => !e);
    }

    private static async Task StopAsync(CancellationTokenSource stop, List<Task> readers)
    {
        await stop.CancelAsync();
        // The readers end on cancellation and record their own failures; a reader that will not stop is left behind
        // rather than hold up the benchmark's hard stop.
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}

/// <summary>One fan-out run's figures; latencies in milliseconds.</summary>
internal sealed record FanOutResult(
    string Store,
    int Sessions,
    long EventsAppended,
    double EventsPerSecond,
    double TargetEventsPerSecond,
    LatencyStats Sse,
    LatencyStats Hub,
    long Lost,
    long Duplicates,
    long OutOfOrder,
    int DroppedSubscribers,
    int UnfinishedSubscribers,
    ProbeResult Probe,
    string? FirstFailure);

/// <summary>The median, 99th percentile and maximum of a set of latencies, in milliseconds.</summary>
internal sealed record LatencyStats(int Count, double P50, double P99, double Max)
{
    public static LatencyStats Of(IEnumerable<double> latencies)
    {
        var sorted = latencies.Order().ToList();
        return sorted.Count == 0
            ? new(0, double.NaN, double.NaN, double.NaN)
            : new(sorted.Count, At(sorted, 0.5), At(sorted, 0.99), sorted[^1]);
    }

    private static double At(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
}
