using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace AgentRuntime.Core.Tests.Events;

public sealed class SessionEventLogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_WhileEventsAreAppended_SeesEveryEventAfterItsSeqExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var (log, _) = await CreateLogAsync(ct);
        const int total = 2_000;
        var subscriptions = new List<Task<List<long>>>();
        var appender = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await log.AppendAsync(Delta(i), ct);
                if (i % 200 == 0)
                {
                    var afterSeq = Math.Max(0, log.LastSeq - 50);
                    subscriptions.Add(CollectAsync(log, afterSeq, total, ct));
                }
            }
        }, ct);

        await appender.WaitAsync(Timeout, ct);
        var results = await Task.WhenAll(subscriptions).WaitAsync(Timeout, ct);

        Assert.Equal(10, results.Length);
        foreach (var seqs in results)
        {
            Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i), seqs);
            Assert.Equal(total, seqs[^1]);
        }
    }

    [Fact]
    public async Task Subscribe_ReaderFallsBehind_EndsWithLaggedExceptionNamingTheLastDeliveredSeq()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryAgentStore();
        await CreateSessionAsync(store, ct);
        await using var committer = new EventCommitter(store);
        var log = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, committer, new FakeTimeProvider(), subscriberCapacity: 4);
        await using var subscription = log.SubscribeAsync(0, ct).GetAsyncEnumerator(ct);
        var first = subscription.MoveNextAsync();

        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsync(Delta(i), ct);
        }

        Assert.True(await first);
        var delivered = new List<long> { subscription.Current.Seq };
        var lagged = await Assert.ThrowsAsync<SubscriberLaggedException>(async () =>
        {
            while (await subscription.MoveNextAsync())
            {
                delivered.Add(subscription.Current.Seq);
            }
        });
        Assert.Equal(delivered[^1], lagged.LastDeliveredSeq);
        Assert.True(delivered.Count < 10);
    }

    [Fact]
    public async Task Close_EndsLiveSubscriptions()
    {
        var ct = TestContext.Current.CancellationToken;
        var (log, _) = await CreateLogAsync(ct);
        await log.AppendAsync(Delta(0), ct);
        var collecting = CollectAsync(log, 0, int.MaxValue, ct);
        await Task.Delay(50, ct);

        log.Close();

        Assert.Equal([1L], await collecting.WaitAsync(Timeout, ct));
    }

    [Fact]
    public async Task Append_StampsTimestampsFromTheTimeProvider()
    {
        var ct = TestContext.Current.CancellationToken;
        var (log, time) = await CreateLogAsync(ct);
        time.SetUtcNow(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

        var stamped = await log.AppendAsync(Delta(0), ct);

        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), Assert.Single(stamped).Timestamp);
    }

    [Fact]
    public async Task ManySessionsAppendingAtOnce_ShareCommits_AndEachSubscriberSeesItsSessionInOrderExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CountingStore.Wrap(new InMemoryAgentStore(), commitDelay: TimeSpan.FromMilliseconds(2));
        var counting = (CountingStore)(object)store;
        await using var committer = new EventCommitter(store);
        const int sessions = 20, perSession = 200;
        var logs = new List<SessionEventLog>();
        for (var s = 0; s < sessions; s++)
        {
            var id = $"00000000-0000-0000-0000-{s:D12}";
            await CreateSessionAsync(store, ct, id);
            logs.Add(new SessionEventLog(id, store, committer, TimeProvider.System));
        }

        var received = logs.Select(log => CollectAsync(log, 0, perSession, ct)).ToList();
        await Task.Delay(50, ct);
        await Task.WhenAll(logs.Select(log => Task.Run(async () =>
        {
            for (var i = 0; i < perSession; i++)
            {
                await log.AppendAsync(Delta(i), ct);
            }
        }, ct))).WaitAsync(Timeout, ct);

        foreach (var seqs in await Task.WhenAll(received).WaitAsync(Timeout, ct))
        {
            Assert.Equal(Enumerable.Range(1, perSession).Select(i => (long)i), seqs);
        }

        // Stored in order too, and in far fewer transactions than appends.
        foreach (var log in logs)
        {
            Assert.Equal(perSession, log.LastSeq);
        }

        Assert.True(counting.Commits < sessions * perSession / 4, $"{counting.Commits} commits for {sessions * perSession} appends");
    }

    [Fact]
    public async Task ASessionDeletedWithAppendsQueued_FailsAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CountingStore.Wrap(new InMemoryAgentStore(), commitDelay: TimeSpan.FromMilliseconds(50));
        await using var committer = new EventCommitter(store);
        await CreateSessionAsync(store, ct, "00000000-0000-0000-0000-000000000001");
        await CreateSessionAsync(store, ct, "00000000-0000-0000-0000-000000000002");
        var kept = new SessionEventLog("00000000-0000-0000-0000-000000000001", store, committer, TimeProvider.System);
        var deleted = new SessionEventLog("00000000-0000-0000-0000-000000000002", store, committer, TimeProvider.System);

        // The first commit holds the loop while both sessions queue their next batches behind it.
        var first = kept.AppendAsync(Delta(0), ct);
        await Task.Delay(10, ct);
        var fromDeleted = deleted.AppendAsync(Delta(1), ct);
        var fromKept = kept.AppendAsync(Delta(2), ct);
        Assert.True(await store.DeleteSessionAsync("00000000-0000-0000-0000-000000000002", ct));

        await first.WaitAsync(Timeout, ct);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => fromDeleted.WaitAsync(Timeout, ct));
        Assert.Equal(2, Assert.Single(await fromKept.WaitAsync(Timeout, ct)).Seq);
    }

    [Fact]
    public async Task TwoLogsOfOneSession_TheSecondWritersAppendIsRefused_AndItsLogIsFencedForGood()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryAgentStore();
        await CreateSessionAsync(store, ct);
        // Two nodes holding the session, each with its own group commit, both loaded before either wrote.
        await using var firstNode = new EventCommitter(store);
        await using var secondNode = new EventCommitter(store);
        var fencedCalls = 0;
        var first = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, firstNode, TimeProvider.System);
        var second = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, secondNode, TimeProvider.System, fenced: () => Interlocked.Increment(ref fencedCalls));
        await first.LoadAsync(ct);
        await second.LoadAsync(ct);
        var watching = CollectAsync(second, 0, long.MaxValue, ct);

        await first.AppendAsync([Delta(0), Delta(1)], ct);
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => second.AppendAsync(Delta(2), ct).WaitAsync(Timeout, ct));
        // Refused from then on, without a trip to the store, even where the log now ends.
        var later = await Assert.ThrowsAsync<EventLogConflictException>(() => second.AppendAsync(Delta(3), ct).WaitAsync(Timeout, ct));
        await first.AppendAsync(Delta(4), ct);

        Assert.Equal(("11111111-1111-1111-1111-111111111111", 0L, 2L), (conflict.SessionId, conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal((0L, 2L), (later.ExpectedLastSeq, later.ActualLastSeq));
        Assert.Equal((true, false, 1), (second.IsFenced, first.IsFenced, fencedCalls));
        var stored = await store.ReadEventsAsync("11111111-1111-1111-1111-111111111111", 0, ct).ToListAsync(ct);
        Assert.Equal([1L, 2L, 3L], stored.Select(e => e.Seq));
        Assert.Equal(["0 ", "1 ", "4 "], stored.Cast<BlockDeltaEvent>().Select(e => e.Delta));
        // Nothing was published on the fenced log, and its live subscribers ended.
        Assert.Equal(0, second.LastSeq);
        Assert.Empty(await watching.WaitAsync(Timeout, ct));
    }

    [Fact]
    public async Task AFencedLogsBatchQueuedBehindTheRefusedOne_IsRefusedToo_EvenWhereTheOtherWriterLeftTheLog()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemoryAgentStore();
        await CreateSessionAsync(store, ct);
        await using var committer = new EventCommitter(store);
        var stale = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, committer, TimeProvider.System);
        await stale.LoadAsync(ct);
        await store.AppendEventsAsync("11111111-1111-1111-1111-111111111111", 0, [Delta(0)], ct);

        // Had the second batch counted on the first, it would expect seq 1, where the other writer's log ends.
        var refused = stale.AppendAsync(Delta(1), ct);
        var behind = stale.AppendAsync(Delta(2), ct);

        await Assert.ThrowsAsync<EventLogConflictException>(() => refused.WaitAsync(Timeout, ct));
        await Assert.ThrowsAsync<EventLogConflictException>(() => behind.WaitAsync(Timeout, ct));
        Assert.Equal(["0 "], (await store.ReadEventsAsync("11111111-1111-1111-1111-111111111111", 0, ct).ToListAsync(ct)).Cast<BlockDeltaEvent>().Select(e => e.Delta));
    }

    private static async Task<List<long>> CollectAsync(SessionEventLog log, long afterSeq, long untilSeq, CancellationToken ct)
    {
        var seqs = new List<long>();
        await foreach (var e in log.SubscribeAsync(afterSeq, ct))
        {
            seqs.Add(e.Seq);
            if (e.Seq >= untilSeq)
            {
                break;
            }
        }

        return seqs;
    }

    private static async Task<(SessionEventLog Log, FakeTimeProvider Time)> CreateLogAsync(CancellationToken ct)
    {
        var store = new InMemoryAgentStore();
        await CreateSessionAsync(store, ct);
        var time = new FakeTimeProvider();
        var log = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, new EventCommitter(store), time);
        await log.LoadAsync(ct);
        return (log, time);
    }

    private static Task CreateSessionAsync(IAgentStore store, CancellationToken ct, string sessionId = "11111111-1111-1111-1111-111111111111") => store.CreateSessionAsync(new SessionRecord
    {
        SessionId = sessionId,
        Architecture = "test",
        AgentProfileRef = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastActivity = DateTimeOffset.UnixEpoch,
    }, ct);

    /// <summary>The store, with each group commit counted and slowed down as a disk would.</summary>
    private class CountingStore : System.Reflection.DispatchProxy
    {
        private IAgentStore _inner = null!;
        private TimeSpan _commitDelay;
        private int _commits;

        public int Commits => Volatile.Read(ref _commits);

        public static IAgentStore Wrap(IAgentStore inner, TimeSpan commitDelay)
        {
            var proxy = Create<IAgentStore, CountingStore>();
            var counting = (CountingStore)(object)proxy;
            counting._inner = inner;
            counting._commitDelay = commitDelay;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IAgentStore.AppendEventBatchesAsync))
            {
                Interlocked.Increment(ref _commits);
                Thread.Sleep(_commitDelay);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
                throw;
            }
        }
    }

    private static BlockDeltaEvent Delta(int i) => new() { ConversationId = Conversations.Main, BlockId = "b1", Delta = $"{i} " };
}
