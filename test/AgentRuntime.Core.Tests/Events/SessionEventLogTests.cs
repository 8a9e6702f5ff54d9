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
        var log = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, new FakeTimeProvider(), subscriberCapacity: 4);
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
        var log = new SessionEventLog("11111111-1111-1111-1111-111111111111", store, time);
        await log.LoadAsync(ct);
        return (log, time);
    }

    private static Task CreateSessionAsync(IAgentStore store, CancellationToken ct) => store.CreateSessionAsync(new SessionRecord
    {
        SessionId = "11111111-1111-1111-1111-111111111111",
        Architecture = "test",
        AgentProfileRef = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastActivity = DateTimeOffset.UnixEpoch,
    }, ct);

    private static BlockDeltaEvent Delta(int i) => new() { ConversationId = Conversations.Main, BlockId = "b1", Delta = $"{i} " };
}
