using System.Net.Http.Json;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Hosts;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// Three real host processes on loopback as one cluster on one real PostgreSQL (<c>AgentRuntime:Cluster:Mode=postgres</c>),
/// the real Claude Code CLI against a scripted model, and one host killed with SIGKILL while turns run on it.
/// </summary>
public sealed class ClusterNodeLossTests(PostgresInstance postgres) : IClassFixture<PostgresInstance>, IAsyncLifetime
{
    private const int Nodes = 3;
    private const int Sessions = 30;
    private const int Victim = 1;
    private const int HeldTurns = 4;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    private ScriptedModelServer _model = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync(Token);
        // A message with HOLD in it is answered by a reply that stops after its first bytes and goes on only after ten
        // minutes: the turn is open, its CLI mid-request, when the node dies. Everything else is answered at once.
        _model.Respond(request => request.LastUserText is { } text && text.Contains("HOLD", StringComparison.Ordinal) && !text.Contains("AFTER", StringComparison.Ordinal)
            ? Reply.Text("Held.").WithChunkDelay(TimeSpan.FromMinutes(10))
            : Reply.Text("Done."));
    }

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    [Fact]
    public async Task ThreeHosts_OneKilledMidTurn_SubscribersStayGapFreeItsTurnsFailAsNodeLostAndEverySessionGoesOn()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("three_nodes", Token);
        // A survivor ends up with its own sessions' sandboxes and half the dead node's: HostCluster raises the per-node
        // limits past the default of 8.
        await using var cluster = await HostCluster.StartAsync(Nodes, connectionString, _model);

        var sessions = new List<(string Id, int Creator)>();
        for (var i = 0; i < Sessions; i++)
        {
            sessions.Add((await CreateSessionAsync(cluster.Nodes[i % Nodes]), i % Nodes));
        }

        var subscribers = sessions.ToDictionary(
            s => s.Id,
            s => new[] { new ClusterSubscriber(cluster, (s.Creator + 1) % Nodes, s.Id, hub: false), new ClusterSubscriber(cluster, (s.Creator + 2) % Nodes, s.Id, hub: true) });
        try
        {
            // One quick turn on a session of each node, sent through another node, while all three are up.
            foreach (var (id, creator) in sessions.Take(Nodes))
            {
                await RunTurnAsync(cluster.Nodes[(creator + 1) % Nodes], id, "Hello", subscribers[id]);
            }

            var held = new List<(string SessionId, string TurnId)>();
            foreach (var (id, creator) in sessions.Where(s => s.Creator == Victim).Skip(1).Take(HeldTurns))
            {
                var marker = $"HOLD-{held.Count}";
                var turnId = await SendAsync(cluster.Nodes[(creator + 2) % Nodes], id, $"Please {marker}");
                held.Add((id, turnId));
                await WaitUntilAsync(() => _model.ConversationRequests.Any(r => r.LastUserText?.Contains(marker, StringComparison.Ordinal) == true), $"the model to be asked for {marker}");
            }

            foreach (var (id, turnId) in held)
            {
                foreach (var subscriber in subscribers[id])
                {
                    await subscriber.WaitForAsync<TurnStartedEvent>(e => e.TurnId == turnId, Wait);
                }
            }

            var victimProcesses = ProcessTree.Descendants(cluster.Nodes[Victim].ProcessId);
            Assert.Contains(victimProcesses, p => p.Name == "bwrap");

            await cluster.KillAsync(Victim);
            var sinceKill = System.Diagnostics.Stopwatch.StartNew();

            foreach (var (id, turnId) in held)
            {
                foreach (var subscriber in subscribers[id])
                {
                    await subscriber.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turnId, Wait);
                    var error = subscriber.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Single(b => b.Id == $"error-{turnId}");
                    Assert.Equal("node_lost", error.Code);
                }
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"The held turns failed as node_lost on every subscriber {sinceKill.Elapsed.TotalSeconds:F1} s after the kill.");

            // Every session, wherever it lived, takes a new message through a survivor and completes the turn.
            var survivors = Enumerable.Range(0, Nodes).Where(n => n != Victim).ToList();
            using var parallel = new SemaphoreSlim(4);
            await Task.WhenAll(sessions.Select(async (s, i) =>
            {
                await parallel.WaitAsync(Token);
                try
                {
                    await RunTurnAsync(cluster.Nodes[survivors[i % survivors.Count]], s.Id, $"AFTER-{i}", subscribers[s.Id]);
                }
                finally
                {
                    parallel.Release();
                }
            }));

            TestContext.Current.TestOutputHelper?.WriteLine($"All {Sessions} sessions completed a turn through the survivors {sinceKill.Elapsed.TotalSeconds:F1} s after the kill.");
            var reader = cluster.Nodes[survivors[0]];
            foreach (var (id, creator) in sessions)
            {
                var log = (await reader.Http.GetFromJsonAsync($"/api/sessions/{id}/events?after=0", AgentRuntimeJsonContext.Default.IReadOnlyListSessionEvent, Token))!;
                Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Seq));
                foreach (var subscriber in subscribers[id])
                {
                    await subscriber.WaitForSeqAsync(log[^1].Seq, Wait);
                    Assert.Null(subscriber.Failure);
                    Assert.Equal(log.Select(e => (e.Seq, e.GetType())), subscriber.Events.Select(e => (e.Seq, e.GetType())));
                }

                var failures = log.OfType<TurnFailedEvent>().Select(e => e.TurnId).ToList();
                Assert.Equal(held.Where(h => h.SessionId == id).Select(h => h.TurnId), failures);
            }

            // The subscribers that were on the dead node moved to a survivor; no other did.
            Assert.All(subscribers.Values.SelectMany(s => s), s => Assert.True(s.Reconnects <= 1, $"{s.Transport} subscriber moved {s.Reconnects} times"));
            Assert.Equal(Sessions * 2 / Nodes, subscribers.Values.SelectMany(s => s).Count(s => s.Reconnects == 1));

            // --die-with-parent: nothing the dead host started (sandboxes, agent CLIs) outlives it.
            await WaitUntilAsync(() => !victimProcesses.Any(p => p.IsRunning), "the dead host's processes to end", TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var subscriber in subscribers.Values.SelectMany(s => s))
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    private static async Task RunTurnAsync(HostProcess node, string sessionId, string content, ClusterSubscriber[] subscribers)
    {
        var turnId = await SendAsync(node, sessionId, content);
        foreach (var subscriber in subscribers)
        {
            await subscriber.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, Wait);
        }
    }

    private static async Task<string> CreateSessionAsync(HostProcess node)
    {
        var response = await node.Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk" }, Token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, Token))!.SessionId;
    }

    private static async Task<string> SendAsync(HostProcess node, string sessionId, string content)
    {
        var response = await node.Http.PostAsJsonAsync($"/api/sessions/{sessionId}/messages", new { content }, Token);
        Assert.True(response.IsSuccessStatusCode, $"{content} through {node.BaseAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.TurnAccepted, Token))!.TurnId;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Wait);
        while (!condition())
        {
            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout ?? Wait} for {what}.");
            }
        }
    }
}
