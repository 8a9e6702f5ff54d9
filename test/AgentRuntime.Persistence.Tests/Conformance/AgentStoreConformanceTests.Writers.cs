using System.Collections.Concurrent;
using System.Reflection;
using AgentRuntime.Events;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

// One writer per log: an append goes in only where its writer expects the log to end.
public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_ExpectedLastSeqIsTheLogsLast_AppendsAfterIt()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2)], CancellationToken);

        var appended = await Store.AppendEventsAsync(session.SessionId, 2, [Turn(3)], CancellationToken);
        var batches = await Store.AppendEventBatchesAsync(
            [new EventBatch(session.SessionId, 3, [Turn(4), Turn(5)]), new EventBatch(session.SessionId, 5, [Turn(6)])], CancellationToken);

        Assert.Equal(3, Assert.Single(appended).Seq);
        Assert.Equal([[4L, 5L], [6L]], batches.Select(b => b.Select(e => e.Seq).ToArray()));
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"turn-{i}"), log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task AppendEvents_ExpectedLastSeqIsNotTheLogsLast_RefusedWithConflictAndNothingStored(long expected)
    {
        var session = await CreateSessionAsync();
        var stored = await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2), Turn(3)], CancellationToken);

        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventsAsync(session.SessionId, expected, [Turn(4), Turn(5)], CancellationToken));
        var inBatch = await Assert.ThrowsAsync<EventLogConflictException>(
            () => Store.AppendEventBatchesAsync([new EventBatch(session.SessionId, expected, [Turn(6)])], CancellationToken));

        Assert.Equal((session.SessionId, expected, 3L), (conflict.SessionId, conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal((session.SessionId, expected, 3L), (inBatch.SessionId, inBatch.ExpectedLastSeq, inBatch.ActualLastSeq));
        Assert.Contains(session.SessionId, conflict.Message, StringComparison.Ordinal);
        Assert.Equal(stored.Select(Json), (await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Select(Json));
        Assert.Equal(3, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
        // The refusals left nothing behind: the next append at the right seq numbers on from 3.
        Assert.Equal(4, Assert.Single(await Store.AppendEventsAsync(session.SessionId, 3, [Turn(7)], CancellationToken)).Seq);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_NegativeExpectedLastSeq_ThrowsArgumentException()
    {
        var session = await CreateSessionAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.AppendEventsAsync(session.SessionId, -1, [Turn(1)], CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.AppendEventBatchesAsync([new EventBatch(session.SessionId, -1, [Turn(1)])], CancellationToken));

        Assert.Equal(0, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_TwoWritersRacingFromOneExpectedSeq_ExactlyOneWinsEachRoundAndTheLogStaysGapFree()
    {
        const int Rounds = 25;
        var session = await CreateSessionAsync();
        var winners = new List<int>();

        for (var round = 0; round < Rounds; round++)
        {
            var (expected, r) = (2L * round, round);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
            {
                await go.Task.WaitAsync(CancellationToken);
                try
                {
                    return await Store.AppendEventsAsync(session.SessionId, expected, [Written(w, r, 0), Written(w, r, 1)], CancellationToken);
                }
                catch (EventLogConflictException conflict)
                {
                    Assert.Equal((expected, expected + 2), (conflict.ExpectedLastSeq, conflict.ActualLastSeq));
                    return null;
                }
            }, CancellationToken)).ToArray();
            go.SetResult();
            var results = await Task.WhenAll(writers);

            var won = Assert.Single(results, a => a is not null)!;
            Assert.Equal([expected + 1, expected + 2], won.Select(e => e.Seq));
            winners.Add(Array.IndexOf(results, won));
        }

        // One event per seq, 1..2n, and each round's two events are its winner's, together.
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(Enumerable.Range(1, 2 * Rounds).Select(i => (long)i), log.Select(e => e.Seq));
        Assert.Equal(
            winners.SelectMany((w, round) => new[] { $"{w}.{round}.0", $"{w}.{round}.1" }),
            log.Cast<TurnCompletedEvent>().Select(e => e.TurnId));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEventBatches_OneBatchOfSeveralSessionsConflicts_RefusesTheWholeCallNamingIt()
    {
        var (first, second, third) = (await CreateSessionAsync(), await CreateSessionAsync(), await CreateSessionAsync());
        await Store.AppendEventsAsync(second.SessionId, 0, [Turn(1)], CancellationToken);

        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventBatchesAsync(
        [
            new EventBatch(first.SessionId, 0, [Turn(2)]),
            new EventBatch(second.SessionId, 0, [Turn(3)]),
            new EventBatch(third.SessionId, 0, [Turn(4)]),
        ], CancellationToken));
        // A second batch of one session expects where the first leaves the log, not where it was.
        var twice = await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventBatchesAsync(
            [new EventBatch(first.SessionId, 0, [Turn(5)]), new EventBatch(first.SessionId, 0, [Turn(6)])], CancellationToken));

        Assert.Equal((second.SessionId, 0L, 1L), (conflict.SessionId, conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal((first.SessionId, 0L, 1L), (twice.SessionId, twice.ExpectedLastSeq, twice.ActualLastSeq));
        Assert.Equal(0, await Store.GetLastSeqAsync(first.SessionId, CancellationToken));
        Assert.Equal(1, await Store.GetLastSeqAsync(second.SessionId, CancellationToken));
        Assert.Equal(0, await Store.GetLastSeqAsync(third.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task GroupCommit_OneSessionsLogMovedOnByAnotherWriter_OnlyItsBatchFailsAndItsLogIsFenced()
    {
        var (first, second, third) = (await CreateSessionAsync(), await CreateSessionAsync(), await CreateSessionAsync());
        var gated = GatedStore.Wrap(Store);
        var store = (GatedStore)(object)gated;
        await using var committer = new EventCommitter(gated);
        var logs = new[] { first, second, third }.Select(s => new SessionEventLog(s.SessionId, gated, committer, TimeProvider.System)).ToArray();
        foreach (var log in logs)
        {
            await log.LoadAsync(CancellationToken);
        }

        // Another writer of the second session (another node) appends after this one loaded it.
        await Store.AppendEventsAsync(second.SessionId, 0, [Turn(100)], CancellationToken);

        // The first commit holds the loop at the gate while the three sessions queue behind it: one commit for them.
        var held = logs[0].AppendAsync([Turn(1)], CancellationToken);
        while (store.Commits.Count == 0)
        {
            await Task.Delay(10, CancellationToken);
        }

        var fromSecond = logs[1].AppendAsync([Turn(2)], CancellationToken);
        var fromThird = logs[2].AppendAsync([Turn(3)], CancellationToken);
        var fromFirst = logs[0].AppendAsync([Turn(4)], CancellationToken);
        store.Gate.SetResult();

        Assert.Equal(1, Assert.Single(await held).Seq);
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => fromSecond);
        Assert.Equal((second.SessionId, 0L, 1L), (conflict.SessionId, conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal(1, Assert.Single(await fromThird).Seq);
        Assert.Equal(2, Assert.Single(await fromFirst).Seq);
        // The three went to the store together, each expecting its log's end (the first's second batch after its first).
        Assert.Equal([(second.SessionId, 0L), (third.SessionId, 0L), (first.SessionId, 1L)], store.Commits.ElementAt(1).Select(b => (b.SessionId, b.ExpectedLastSeq)));
        Assert.Equal([false, true, false], logs.Select(l => l.IsFenced));
        Assert.Equal(["turn-1", "turn-4"], await TurnIdsAsync(first.SessionId));
        Assert.Equal(["turn-100"], await TurnIdsAsync(second.SessionId));
        Assert.Equal(["turn-3"], await TurnIdsAsync(third.SessionId));
        // The fenced log refuses at once, without a trip to the store.
        var commits = store.Commits.Count;
        await Assert.ThrowsAsync<EventLogConflictException>(() => logs[1].AppendAsync([Turn(5)], CancellationToken));
        Assert.Equal(commits, store.Commits.Count);
    }

    private async Task<List<string>> TurnIdsAsync(string sessionId) =>
        [.. (await Store.ReadEventsAsync(sessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Cast<TurnStartedEvent>().Select(e => e.TurnId)];

    private static TurnCompletedEvent Written(int writer, int round, int n) => new() { TurnId = $"{writer}.{round}.{n}", Timestamp = Epoch };

    /// <summary>The store under test, each group commit recorded and the first held until <see cref="Gate"/> opens.</summary>
    private class GatedStore : DispatchProxy
    {
        private IAgentStore _inner = null!;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<IReadOnlyList<EventBatch>> Commits { get; } = new();

        public static IAgentStore Wrap(IAgentStore inner)
        {
            var proxy = Create<IAgentStore, GatedStore>();
            ((GatedStore)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IAgentStore.AppendEventBatchesAsync))
            {
                var batches = (IReadOnlyList<EventBatch>)args![0]!;
                Commits.Enqueue([.. batches]);
                return CommitAsync(batches, (CancellationToken)args[1]!);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
                throw;
            }
        }

        private async Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> CommitAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
        {
            await Gate.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return await _inner.AppendEventBatchesAsync(batches, cancellationToken);
        }
    }
}
