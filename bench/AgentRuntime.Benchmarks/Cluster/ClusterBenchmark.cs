using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Hosts;

namespace AgentRuntime.Benchmarks.Cluster;

/// <summary>What the cluster benchmark measured.</summary>
internal sealed record ClusterResult(
    int Nodes,
    int Sessions,
    Percentiles SameNode,
    Percentiles CrossNode,
    int DeltasPerSide,
    IReadOnlyList<int> SessionsPerNode,
    int LostSessions,
    double FirstAcceptedMs,
    double AllAcceptedMs,
    double FirstCompletedMs,
    double AllCompletedMs,
    IReadOnlyList<int> SessionsPerSurvivor,
    IReadOnlyDictionary<string, string> Failover);

/// <summary>p50 and p99 of a sample, in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P99)
{
    public static Percentiles Of(List<double> samples)
    {
        samples.Sort();
        return new Percentiles(At(samples, 0.50), At(samples, 0.99));
    }

    private static double At(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}

/// <summary>
/// Three real server processes on loopback as one cluster on a real PostgreSQL (<c>AgentRuntime:Cluster:Mode=postgres</c>),
/// the real Claude Code CLI in bubblewrap and a scripted model that streams its answers. Sessions are created round-robin
/// through the nodes and each has a first, unmeasured turn (its sandbox and agent start); then each streams one measured
/// turn, one session per node at a time, whose text deltas are read over SSE on the session's own node and on another
/// node at once, so the two latencies (the event's append on the owner to its arrival at the client) are of the same
/// events. Then one
/// node is killed with SIGKILL and every one of its sessions is sent a message through a survivor until one is taken:
/// the time until they are usable again.
/// </summary>
internal static class ClusterBenchmark
{
    public const int NodeCount = 3;
    public const int Sessions = 30;
    private const int Pieces = 40;
    private static readonly TimeSpan ChunkDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(120);
    private const string Answer = "A streamed answer, in forty pieces, so that each turn sends a few dozen events to each subscriber of its session.";

    public static async Task<ClusterResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions(), cancellationToken);
        var connectionString = await postgres.CreateDatabaseAsync("cluster", cancellationToken);
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken);
        model.Respond(_ => Reply.Text(Answer).WithPieces(Pieces).WithChunkDelay(ChunkDelay));
        await using var cluster = await HostCluster.StartAsync(NodeCount, connectionString, model);

        // Created through node i % 3, so each lives there; read on its own node and on the next.
        var sessions = new List<(string Id, int Owner)>();
        for (var i = 0; i < Sessions; i++)
        {
            sessions.Add((await CreateSessionAsync(cluster.Nodes[i % NodeCount].Http, cancellationToken), i % NodeCount));
        }

        // A first turn for every session, all at once and not measured: it starts each session's sandbox and agent, which
        // on two cores would otherwise be what the latencies measure.
        await Task.WhenAll(sessions.Select(s => SendAsync(cluster.Nodes[s.Owner].Http, s.Id, "Warm up.", cancellationToken)));

        // Then one measured turn per session, a node's worth at a time (one session of each node streaming at once), its
        // deltas read on its own node and on the next; the message goes through the third, so commands cross too.
        var same = new List<double>();
        var cross = new List<double>();
        foreach (var wave in sessions.Chunk(NodeCount))
        {
            var reads = new List<Task<List<double>>>();
            var sameCount = 0;
            foreach (var (id, owner) in wave)
            {
                var lastSeq = (await cluster.Nodes[owner].Http.GetFromJsonAsync($"api/sessions/{id}", AgentRuntimeJsonContext.Default.SessionDetail, cancellationToken))!.LastSeq;
                var ownSide = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var otherSide = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                reads.Insert(sameCount++, ReadDeltaLatenciesAsync(cluster.Nodes[owner].Http, id, lastSeq, ownSide, cancellationToken));
                reads.Add(ReadDeltaLatenciesAsync(cluster.Nodes[(owner + 1) % NodeCount].Http, id, lastSeq, otherSide, cancellationToken));
                await Task.WhenAll(ownSide.Task, otherSide.Task).WaitAsync(TurnTimeout, cancellationToken);
            }

            await Task.WhenAll(wave.Select(s => SendAsync(cluster.Nodes[(s.Owner + 2) % NodeCount].Http, s.Id, "Answer at length, please.", cancellationToken)));
            var latencies = await Task.WhenAll(reads).WaitAsync(TurnTimeout, cancellationToken);
            same.AddRange(latencies.Take(sameCount).SelectMany(l => l));
            cross.AddRange(latencies.Skip(sameCount).SelectMany(l => l));
        }

        var placement = new List<(string Id, string Node)>();
        foreach (var (id, _) in sessions)
        {
            placement.Add((id, await NodeOfAsync(cluster.Nodes[0].Http, id, cancellationToken)));
        }

        var perNode = placement.GroupBy(p => p.Node).Select(g => g.Count()).OrderDescending().ToList();

        // SIGKILL of the node that owns the first session; its sessions are sent a message through the survivors until
        // one is taken (202), then until that turn completes (a new sandbox, the transcript restored).
        var victim = sessions[0].Owner;
        var victimNode = placement[0].Node;
        var lost = placement.Where(p => p.Node == victimNode).Select(p => p.Id).ToList();
        var survivors = Enumerable.Range(0, NodeCount).Where(n => n != victim).ToList();
        await cluster.KillAsync(victim);
        var killed = Stopwatch.StartNew();
        var recoveries = await Task.WhenAll(lost.Select((id, i) => RecoverAsync(cluster.Nodes[survivors[i % survivors.Count]].Http, id, killed, cancellationToken)));

        var after = new List<string>();
        foreach (var (id, _) in sessions)
        {
            after.Add(await NodeOfAsync(cluster.Nodes[survivors[0]].Http, id, cancellationToken));
        }

        var perSurvivor = after.Where(n => n.Length > 0).GroupBy(n => n).Select(g => g.Count()).OrderDescending().ToList();
        return new ClusterResult(
            NodeCount,
            Sessions,
            Percentiles.Of(same),
            Percentiles.Of(cross),
            same.Count,
            perNode,
            lost.Count,
            recoveries.Min(r => r.AcceptedMs),
            recoveries.Max(r => r.AcceptedMs),
            recoveries.Min(r => r.CompletedMs),
            recoveries.Max(r => r.CompletedMs),
            perSurvivor,
            HostCluster.QuickFailover);
    }

    private static async Task<(double AcceptedMs, double CompletedMs)> RecoverAsync(HttpClient http, string sessionId, Stopwatch killed, CancellationToken cancellationToken)
    {
        string turnId;
        while (true)
        {
            using var response = await http.PostAsJsonAsync($"api/sessions/{sessionId}/messages", new { content = "Are you there?" }, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                turnId = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("turnId").GetString()!;
                break;
            }

            // The cluster has not declared the node dead yet (the call went to it and failed), or the session is still
            // closing the turn the node left open: try again shortly.
            if (killed.Elapsed > TurnTimeout)
            {
                throw new InvalidOperationException($"Session {sessionId} took no message for {TurnTimeout} after its node died: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await Task.Delay(50, cancellationToken);
        }

        var accepted = killed.Elapsed.TotalMilliseconds;
        await WaitForTurnAsync(http, sessionId, turnId, cancellationToken);
        return (accepted, killed.Elapsed.TotalMilliseconds);
    }

    private static async Task SendAsync(HttpClient http, string sessionId, string content, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"api/sessions/{sessionId}/messages", new { content }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var turnId = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("turnId").GetString()!;
        await WaitForTurnAsync(http, sessionId, turnId, cancellationToken);
    }

    // The turn's end, read from the session's event stream (a replay, then live).
    private static async Task WaitForTurnAsync(HttpClient http, string sessionId, string turnId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TurnTimeout);
        await foreach (var e in SseClient.ReadAsync(http, sessionId, 0, deadline.Token))
        {
            switch (e)
            {
                case TurnCompletedEvent completed when completed.TurnId == turnId:
                    return;
                case TurnFailedEvent failed when failed.TurnId == turnId:
                    throw new InvalidOperationException($"Turn {turnId} of session {sessionId} failed.");
            }
        }

        throw new InvalidOperationException($"The event stream of session {sessionId} ended before turn {turnId} did.");
    }

    // The latency of each text delta: from its timestamp (taken by the owner node as it appended it) to its arrival here.
    // One machine, one clock.
    private static async Task<List<double>> ReadDeltaLatenciesAsync(HttpClient http, string sessionId, long after, TaskCompletionSource opened, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        await foreach (var e in SseClient.ReadAsync(http, sessionId, after, cancellationToken, opened.SetResult))
        {
            if (e is BlockDeltaEvent)
            {
                latencies.Add((DateTimeOffset.UtcNow - e.Timestamp).TotalMilliseconds);
            }
            else if (e is TurnCompletedEvent or TurnFailedEvent)
            {
                break;
            }
        }

        return latencies;
    }

    private static async Task<string> CreateSessionAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk" }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, cancellationToken))!.SessionId;
    }

    // Where the session is loaded now (empty when it is not loaded).
    private static async Task<string> NodeOfAsync(HttpClient http, string sessionId, CancellationToken cancellationToken)
    {
        var detail = await http.GetFromJsonAsync($"api/sessions/{sessionId}", AgentRuntimeJsonContext.Default.SessionDetail, cancellationToken);
        return detail?.Runtime.Node ?? "";
    }
}
