using System.Collections.Concurrent;
using AgentRuntime.Architectures;
using AgentRuntime.Cluster;
using AgentRuntime.Core.Tests.Sessions;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes.Local;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace AgentRuntime.Core.Tests.Cluster;

/// <summary>
/// Three silos in this process sharing one store, each with the session core as a server has it: sessions live where
/// they were created, commands and subscribers reach them from any silo, and a lost silo's sessions go on elsewhere.
/// </summary>
public sealed class SessionClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = SessionHarness.Timeout;
    private const long MaxFileBytes = 2 * 1024 * 1024;

    private readonly InMemoryAgentStore _store = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-cluster-tests-").FullName;
    private InProcessTestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            siloBuilder.ConfigureSessionGrains();
            var services = siloBuilder.Services;
            services.AddSingleton(_ =>
            {
                // Each silo a server of its own over the shared store: its own sandboxes (under its own folder), its
                // own commit loop, its own architecture instance.
                var options = new AgentRuntimeOptions { DataDirectory = Path.Combine(_dataDirectory, silo.SiloName), MaxFileBytes = MaxFileBytes };
                var sandboxes = new LocalSandboxProvider(
                    Microsoft.Extensions.Options.Options.Create(new LocalSandboxOptions()), Microsoft.Extensions.Options.Options.Create(options), NullLogger<LocalSandboxProvider>.Instance);
                return new SessionServices(
                    _store, sandboxes, null, new Dictionary<string, IAgentArchitecture> { ["echo"] = new EchoArchitecture() }, TimeProvider.System, options,
                    new SessionListFeed(), new TenantQuotas(new TenantLimitOptions(), _store), new EventCommitter(_store), NullLoggerFactory.Instance,
                    new ProfileSecrets(new ConfigurationBuilder().Build()));
            });
            services.AddSingleton<LocalSessions>();
            services.AddSingleton<SessionManager>();
        });
        builder.ConfigureClient(client => client.Services.AddSessionSerialization());
        _cluster = builder.Build();
        await _cluster.DeployAsync().WaitAsync(TimeSpan.FromMinutes(2));
        await _store.SaveProfileAsync(new AgentProfile { Id = "default", Name = "Default", Network = Sandboxes.SandboxNetworkPolicy.None }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _cluster.Silos)
        {
            await Manager(silo).DisposeAsync();
        }

        await _cluster.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Sessions_CreatedThroughEachSilo_LiveThereAndAnswerCommandsFromAnyOther()
    {
        var ct = TestContext.Current.CancellationToken;
        var silos = _cluster.Silos.ToList();
        var created = new List<(InProcessSiloHandle Owner, string SessionId)>();
        foreach (var silo in silos)
        {
            created.Add((silo, (await CreateAsync(silo, ct)).SessionId));
        }

        foreach (var (owner, sessionId) in created)
        {
            Assert.All(silos, s => Assert.Equal(s == owner, Local(s).TryGetLoaded(sessionId) is not null));
        }

        // A message through the next silo runs on the owner, and no other silo loads the session to do it.
        for (var i = 0; i < created.Count; i++)
        {
            var (owner, sessionId) = created[i];
            var other = silos[(i + 1) % silos.Count];
            var events = Collect(Manager(other), sessionId, 0, ct);
            var turnId = await Manager(other).SendMessageAsync(sessionId, $"hello {i}", ct).WaitAsync(Timeout, ct);
            await WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent c && c.TurnId == turnId), ct);
            Assert.All(silos, s => Assert.Equal(s == owner, Local(s).TryGetLoaded(sessionId) is not null));
            var detail = await Manager(silos[(i + 2) % silos.Count]).GetSessionAsync(sessionId, ct).WaitAsync(Timeout, ct);
            Assert.Contains(detail.Blocks, b => b is Blocks.AssistantTextBlock { Content: var text } && text.EndsWith($"hello {i}", StringComparison.Ordinal));
            // Every node names the owner as the session's node.
            Assert.Equal(owner.SiloAddress.Endpoint.ToString(), detail.Runtime.Node);
        }

        // Abuse: a session that does not exist is the same 404 from every silo, however it is asked for, and the ids
        // tried leave nothing active behind: only the three sessions stay.
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<SessionNotFoundException>(() => Manager(silos[i % 3]).SendMessageAsync(Guid.NewGuid().ToString(), "hi", ct));
            await Assert.ThrowsAsync<SessionNotFoundException>(() => Manager(silos[i % 3]).GetSessionAsync(Guid.NewGuid().ToString(), ct));
        }

        await Assert.ThrowsAsync<SessionNotFoundException>(() => Manager(silos[2]).GetSessionAsync("not-a-session", ct));
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        await WaitUntilAsync(async () => (await management.GetSimpleGrainStatistics()).Where(g => g.GrainType.Contains(nameof(SessionGrain), StringComparison.Ordinal)).Sum(g => g.ActivationCount) == 3, ct);
    }

    [Fact]
    public async Task Subscriber_OnAnotherSilo_SeesTheTurnReplayedThenLiveWithoutGapOrDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, c) = (_cluster.Silos[0], _cluster.Silos[1], _cluster.Silos[2]);
        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var first = Collect(Manager(a), sessionId, 0, ct);
        var firstTurn = await Manager(a).SendMessageAsync(sessionId, "one", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => first.Any(e => e is TurnCompletedEvent t && t.TurnId == firstTurn), ct);
        var seam = first.First(e => e is TurnCompletedEvent).Seq;

        // B joins after the first turn from the middle of it, C from the start; the second turn is driven through C.
        var fromSeam = Collect(Manager(b), sessionId, seam - 2, ct);
        var fromStart = Collect(Manager(c), sessionId, 0, ct);
        await WaitUntilAsync(() => fromStart.Count >= seam, ct);
        var secondTurn = await Manager(c).SendMessageAsync(sessionId, "two", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => fromSeam.Any(e => e is TurnCompletedEvent t && t.TurnId == secondTurn) && fromStart.Any(e => e is TurnCompletedEvent t && t.TurnId == secondTurn), ct);

        Assert.Null(Local(b).TryGetLoaded(sessionId));
        var stored = (await _store.ReadEventsAsync(sessionId, 0, ct).ToListAsync(ct)).Select(e => e.Seq).ToList();
        var lastOfTurn = stored.Max();
        Assert.Equal(Enumerable.Range(1, (int)lastOfTurn).Select(i => (long)i), stored);
        Assert.Equal(stored, fromStart.Select(e => e.Seq).TakeWhile(s => s <= lastOfTurn));
        Assert.Equal(stored.Where(s => s > seam - 2), fromSeam.Select(e => e.Seq).TakeWhile(s => s <= lastOfTurn));
        // The events crossed as themselves: the second answer is there on B, text and all.
        Assert.Contains(fromSeam, e => e is BlockCompleteEvent { Block: Blocks.AssistantTextBlock { Content: var text } } && text.EndsWith("two", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Silo_LostMidTurn_SessionGoesOnElsewhereAndSubscribersMissNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, c) = (_cluster.Silos[0], _cluster.Silos[1], _cluster.Silos[2]);
        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var watcher = Collect(Manager(c), sessionId, 0, ct);
        var held = await Manager(b).SendMessageAsync(sessionId, "hold", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => watcher.Any(e => e is BlockDeltaEvent { Delta: "holding" }), ct);

        // A dies without a goodbye to the cluster: the others learn of it from membership. (In one process its services
        // are disposed with it, so its actor stops too; a real kill -9 leaves even less, and the store has the rest.)
        await _cluster.KillSiloAsync(a, ct).WaitAsync(Timeout, ct);

        // The next message, through B, finds the session on a survivor: the held turn ends as failed, a new one runs.
        var next = await RetryAsync(() => Manager(b).SendMessageAsync(sessionId, "after", ct), ct);
        await WaitUntilAsync(() => watcher.Any(e => e is TurnCompletedEvent t && t.TurnId == next), ct);
        Assert.Contains(watcher, e => e is TurnFailedEvent f && f.TurnId == held);
        Assert.True(Local(b).TryGetLoaded(sessionId) is not null || Local(c).TryGetLoaded(sessionId) is not null);

        var stored = (await _store.ReadEventsAsync(sessionId, 0, ct).ToListAsync(ct)).Select(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored);
        Assert.Equal(stored, watcher.Select(e => e.Seq).Take(stored.Count));
    }

    [Fact]
    public async Task SessionListFeed_OnEverySilo_TellsOfSessionsCreatedUpdatedAndDeletedOnAnyOther()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, c) = (_cluster.Silos[0], _cluster.Silos[1], _cluster.Silos[2]);
        var onB = CollectList(Manager(b), ct);
        var onC = CollectList(Manager(c), ct);
        await WaitUntilAsync(() => Feed(b).SubscriberCount == 1 && Feed(c).SubscriberCount == 1, ct);

        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var turn = await Manager(a).SendMessageAsync(sessionId, "hello", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => onC.Any(x => x.SessionId == sessionId && x.Kind == SessionListChangeKind.Updated && x.Session?.TurnState == TurnState.Idle && x.Session.LastActivity > x.Session.CreatedAt), ct);
        Assert.True(await Manager(c).DeleteSessionAsync(sessionId, ct));

        foreach (var feed in new[] { onB, onC })
        {
            await WaitUntilAsync(() => feed.Any(x => x.SessionId == sessionId && x.Kind == SessionListChangeKind.Deleted), ct);
            var kinds = feed.Where(x => x.SessionId == sessionId).Select(x => x.Kind).ToList();
            Assert.Equal(SessionListChangeKind.Created, kinds[0]);
            Assert.Contains(SessionListChangeKind.Updated, kinds);
            Assert.Equal(SessionListChangeKind.Deleted, kinds[^1]);
            // Each change once: the node that made it is not sent its own change back.
            Assert.Single(kinds, k => k == SessionListChangeKind.Created);
            Assert.Single(kinds, k => k == SessionListChangeKind.Deleted);
        }

        Assert.NotNull(turn);
    }

    [Fact]
    public async Task Drain_HandsIdleSessionsOverAtOnceAndBusyOnesWhenTheirTurnEnds_SubscribersFollowWithoutGapOrDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, c) = (_cluster.Silos[0], _cluster.Silos[1], _cluster.Silos[2]);
        var idle = (await CreateAsync(a, ct)).SessionId;
        var busy = (await CreateAsync(a, ct)).SessionId;
        var idleOnA = Collect(Manager(a), idle, 0, ct);
        var busyOnA = Collect(Manager(a), busy, 0, ct);
        var busyOnC = Collect(Manager(c), busy, 0, ct);
        var held = await Manager(a).SendMessageAsync(busy, "hold", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => busyOnC.Any(e => e is BlockDeltaEvent { Delta: "holding" }), ct);

        var drain = Manager(a).DrainAsync(TimeSpan.FromMinutes(2), ct);

        // The idle session leaves A at once; A's own subscriber follows it to the node the cluster picks, never A.
        await WaitUntilAsync(() => Local(a).TryGetLoaded(idle) is null && (Local(b).TryGetLoaded(idle) ?? Local(c).TryGetLoaded(idle)) is not null, ct);
        // The busy one stays until its turn ends.
        Assert.NotNull(Local(a).TryGetLoaded(busy));
        Assert.False(drain.IsCompleted);

        await Manager(b).InterruptAsync(busy, ct).WaitAsync(Timeout, ct);
        Assert.Equal(0, await drain.WaitAsync(Timeout, ct));
        Assert.Empty(Local(a).Loaded);

        // Commands through the draining node go to the others: the session answers there, and a new session is placed
        // elsewhere too.
        var next = await Manager(a).SendMessageAsync(busy, "after", ct).WaitAsync(Timeout, ct);
        var fresh = (await CreateAsync(a, ct)).SessionId;
        Assert.Null(Local(a).TryGetLoaded(fresh));
        foreach (var watcher in new[] { busyOnA, busyOnC })
        {
            await WaitUntilAsync(() => watcher.Any(e => e is TurnCompletedEvent t && t.TurnId == next), ct);
            Assert.Contains(watcher, e => e is TurnCompletedEvent t && t.TurnId == held);
        }

        foreach (var (sessionId, watcher) in new[] { (busy, busyOnA), (busy, busyOnC), (idle, idleOnA) })
        {
            var stored = (await _store.ReadEventsAsync(sessionId, 0, ct).ToListAsync(ct)).Select(e => e.Seq).ToList();
            await WaitUntilAsync(() => watcher.Count >= stored.Count, ct);
            Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored);
            Assert.Equal(stored, watcher.Select(e => e.Seq).Take(stored.Count));
        }
    }

    [Fact]
    public async Task Drain_GivesUpAfterItsTimeout_LeavingTheRunningTurnToTheStop()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = _cluster.Silos[0];
        var busy = (await CreateAsync(a, ct)).SessionId;
        var watcher = Collect(Manager(a), busy, 0, ct);
        await Manager(a).SendMessageAsync(busy, "hold", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => watcher.Any(e => e is BlockDeltaEvent { Delta: "holding" }), ct);

        Assert.Equal(1, await Manager(a).DrainAsync(TimeSpan.FromMilliseconds(500), ct).WaitAsync(Timeout, ct));
        Assert.NotNull(Local(a).TryGetLoaded(busy));
    }

    [Fact]
    public async Task SecondWriter_RefusedByTheStore_SessionIsReloadedAsItLeftTheLog()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b) = (_cluster.Silos[0], _cluster.Silos[1]);
        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var stale = Local(a).TryGetLoaded(sessionId)!;

        // Another writer (a node the cluster took for dead that was not) appends behind the actor's back.
        var foreign = await _store.AppendEventsAsync(sessionId, stale.Log.LastSeq, [new StatusEvent { Runtime = new SessionRuntime { IsLoaded = true, Node = "elsewhere" } }], ct);

        // The actor's next append is refused and fences it: whatever it tried is not in the log.
        try
        {
            _ = await Manager(b).SendMessageAsync(sessionId, "lost", ct).WaitAsync(Timeout, ct);
            await WaitUntilAsync(() => stale.Log.IsFenced, ct);
        }
        catch (EventLogConflictException)
        {
        }

        Assert.True(stale.Log.IsFenced);

        // The next command finds the session loaded again from the store, the other writer's event included.
        var watcher = Collect(Manager(b), sessionId, 0, ct);
        var turn = await Manager(b).SendMessageAsync(sessionId, "again", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => watcher.Any(e => e is TurnCompletedEvent t && t.TurnId == turn), ct);
        Assert.NotSame(stale, Local(a).TryGetLoaded(sessionId));
        var stored = (await _store.ReadEventsAsync(sessionId, 0, ct).ToListAsync(ct)).ToList();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Contains(stored, e => e.Seq == foreign[0].Seq && e is StatusEvent { Runtime.Node: "elsewhere" });
        Assert.DoesNotContain(stored, e => e is BlockStartEvent { Block: Blocks.UserMessageBlock { Content: "lost" } });
    }

    [Fact]
    public async Task Subscriber_OnAnotherSilo_FollowsItsSessionWhenTheSessionIsUnloadedUnderIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b, c) = (_cluster.Silos[0], _cluster.Silos[1], _cluster.Silos[2]);
        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var watcher = new ConcurrentQueue<SessionEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in Manager(c).SubscribeAsync(sessionId, 0, ct))
            {
                watcher.Enqueue(e);
            }
        }, ct);
        var first = await Manager(b).SendMessageAsync(sessionId, "one", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => watcher.Any(e => e is TurnCompletedEvent t && t.TurnId == first), ct);

        // Unloaded on its node for a reason of the cluster's (as when the grain directory deactivates it), with a
        // subscriber watching from C: the log simply ends there, and the subscriber must not take that for the end.
        await Local(a).UnloadAsync(sessionId);

        var second = await Manager(b).SendMessageAsync(sessionId, "two", ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => watcher.Any(e => e is TurnCompletedEvent t && t.TurnId == second), ct);
        var stored = (await _store.ReadEventsAsync(sessionId, 0, ct).ToListAsync(ct)).Select(e => e.Seq).ToList();
        await WaitUntilAsync(() => watcher.Count >= stored.Count, ct);
        Assert.Equal(stored, watcher.Select(e => e.Seq).Take(stored.Count));

        // A deleted session ends its subscribers' streams instead, with no error.
        Assert.False(reading.IsCompleted);
        Assert.True(await Manager(b).DeleteSessionAsync(sessionId, ct));
        await reading.WaitAsync(Timeout, ct);
    }

    [Fact]
    public async Task Upload_ThroughAnotherSilo_ArrivesByteExactInPiecesAndAFailedOneLeavesNothingBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b) = (_cluster.Silos[0], _cluster.Silos[1]);
        var sessionId = (await CreateAsync(a, ct)).SessionId;
        var content = new byte[MaxFileBytes];
        Random.Shared.NextBytes(content);

        // Through B, to the session's node A: many pieces, written once complete.
        var written = await Manager(b).WriteFileAsync(sessionId, "data/big.bin", new MemoryStream(content), ct).WaitAsync(Timeout, ct);
        Assert.Equal(content.Length, written.Size);
        await using (var stored = await _store.OpenWorkspaceFileAsync(sessionId, "data/big.bin", ct))
        {
            using var copy = new MemoryStream();
            await stored!.CopyToAsync(copy, ct);
            Assert.Equal(content, copy.ToArray());
        }

        // One byte over the limit, and a client that goes away mid-upload: refused, nothing stored, no spooled copy left
        // on the session's node.
        var tooLarge = new byte[MaxFileBytes + 1];
        await Assert.ThrowsAsync<ArgumentException>(() => Manager(b).WriteFileAsync(sessionId, "data/too-large.bin", new MemoryStream(tooLarge), ct));
        await Assert.ThrowsAsync<IOException>(() => Manager(b).WriteFileAsync(sessionId, "data/cut.bin", new BrokenStream(content, 1024 * 1024), ct));

        var files = await _store.ListWorkspaceFilesAsync(sessionId, ct);
        Assert.Equal(["data/big.bin"], files.Select(f => f.Path).Where(p => p.StartsWith("data/", StringComparison.Ordinal)));
        var spool = SpooledFile.DirectoryFor(a.ServiceProvider.GetRequiredService<SessionServices>().Options);
        await WaitUntilAsync(() => !Directory.Exists(spool) || Directory.GetFiles(spool).Length == 0, ct);
        Assert.Null(Local(b).TryGetLoaded(sessionId));
    }

    /// <summary>A request body whose client disconnects after <paramref name="failAfter"/> bytes.</summary>
    private sealed class BrokenStream(byte[] content, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The client disconnected.");
            }

            var n = Math.Min(count, Math.Min(failAfter, content.Length) - _position);
            content.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static SessionManager Manager(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<SessionManager>();

    private static SessionListFeed Feed(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<SessionServices>().ListFeed;

    private static LocalSessions Local(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<LocalSessions>();

    private static Task<SessionListItem> CreateAsync(InProcessSiloHandle silo, CancellationToken ct) =>
        Manager(silo).CreateSessionAsync(new CreateSessionRequest { AgentProfileRef = "default", Architecture = "echo" }, ct).WaitAsync(Timeout, ct);

    private static ConcurrentQueue<SessionEvent> Collect(SessionManager manager, string sessionId, long afterSeq, CancellationToken ct)
    {
        var events = new ConcurrentQueue<SessionEvent>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in manager.SubscribeAsync(sessionId, afterSeq, ct))
            {
                events.Enqueue(e);
            }
        }, ct);
        return events;
    }

    private static ConcurrentQueue<SessionListChange> CollectList(SessionManager manager, CancellationToken ct)
    {
        var changes = new ConcurrentQueue<SessionListChange>();
        _ = Task.Run(async () =>
        {
            await foreach (var change in manager.SubscribeSessionListAsync(ct))
            {
                changes.Enqueue(change);
            }
        }, ct);
        return changes;
    }

    // Until the cluster has declared the dead silo dead, a call may still be routed to it and fail.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                return await call().WaitAsync(Timeout, ct);
            }
            catch (Exception ex) when (ClusterSubscription.IsNodeLost(ex) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a condition");
            await Task.Delay(100, ct);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a condition");
            await Task.Delay(20, ct);
        }
    }
}
