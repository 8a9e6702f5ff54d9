using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_SeveralCalls_NumbersOneToNAcrossCalls()
    {
        var session = await CreateSessionAsync();
        var appended = new List<SessionEvent>();

        foreach (var batch in new[] { 3, 1, 4 })
        {
            appended.AddRange(await Store.AppendEventsAsync(
                session.SessionId, appended.Count, [.. Enumerable.Range(appended.Count + 1, batch).Select(Turn)], CancellationToken));
        }

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), appended.Select(e => e.Seq));
        Assert.All(appended, e => Assert.Equal(session.SessionId, e.SessionId));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"turn-{i}"), appended.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        Assert.Equal(8, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
        var read = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(appended.Select(Json), read.Select(Json));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_SeqAndSessionIdAlreadySet_StoreAssignsItsOwn()
    {
        var session = await CreateSessionAsync();

        var appended = await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1) with { Seq = 99, SessionId = "elsewhere" }], CancellationToken);

        var stored = Assert.Single(await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken));
        Assert.Equal(1, stored.Seq);
        Assert.Equal(session.SessionId, stored.SessionId);
        Assert.Equal(Json(appended[0]), Json(stored));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_TwoSessions_EachLogNumberedFromOne()
    {
        var first = await CreateSessionAsync();
        var second = await CreateSessionAsync();

        await Store.AppendEventsAsync(first.SessionId, 0, [Turn(1), Turn(2), Turn(3)], CancellationToken);
        var appended = await Store.AppendEventsAsync(second.SessionId, 0, [Turn(4)], CancellationToken);

        Assert.Equal(1, Assert.Single(appended).Seq);
        Assert.Equal(3, await Store.GetLastSeqAsync(first.SessionId, CancellationToken));
        Assert.Equal(1, await Store.GetLastSeqAsync(second.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEventBatches_SeveralSessionsInOneCall_NumbersEachLogInTheOrderGiven()
    {
        var first = await CreateSessionAsync();
        var second = await CreateSessionAsync();
        await Store.AppendEventsAsync(first.SessionId, 0, [Turn(1)], CancellationToken);

        var numbered = await Store.AppendEventBatchesAsync(
        [
            new EventBatch(first.SessionId, 1, [Turn(2), Turn(3)]),
            new EventBatch(second.SessionId, 0, [Turn(10)]),
            new EventBatch(first.SessionId, 3, [Turn(4)]),
            new EventBatch(second.SessionId, 1, []),
            new EventBatch(second.SessionId, 1, [Turn(11), Turn(12)]),
        ], CancellationToken);

        Assert.Equal([[2L, 3L], [1L], [4L], [], [2L, 3L]], numbered.Select(b => b.Select(e => e.Seq).ToArray()));
        Assert.Equal([first.SessionId, second.SessionId, first.SessionId, second.SessionId], numbered.Where(b => b.Count > 0).Select(b => b[0].SessionId));
        var firstLog = await Store.ReadEventsAsync(first.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(["turn-1", "turn-2", "turn-3", "turn-4"], firstLog.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        var secondLog = await Store.ReadEventsAsync(second.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(["turn-10", "turn-11", "turn-12"], secondLog.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        Assert.Equal(numbered[4].Select(Json), secondLog.Skip(1).Select(Json));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEventBatches_OneSessionMissing_AppendsNothingAtAll()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AppendEventBatchesAsync(
        [
            new EventBatch(session.SessionId, 1, [Turn(2)]),
            new EventBatch(Guid.NewGuid().ToString(), 0, [Turn(3)]),
        ], CancellationToken));

        Assert.Equal(1, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
        Assert.Equal(2, Assert.Single(await Store.AppendEventsAsync(session.SessionId, 1, [Turn(2)], CancellationToken)).Seq);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_SessionDeletedAndMadeAgainWithTheSameId_NumbersFromOne()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2), Turn(3)], CancellationToken);
        Assert.True(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AppendEventsAsync(session.SessionId, 3, [Turn(4)], CancellationToken));
        await Store.CreateSessionAsync(session, CancellationToken);
        // The old log's writer, still expecting seq 3, is refused: the log it knew is gone.
        await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventsAsync(session.SessionId, 3, [Turn(4)], CancellationToken));
        var appended = await Store.AppendEventBatchesAsync([new EventBatch(session.SessionId, 0, [Turn(5), Turn(6)])], CancellationToken);

        Assert.Equal([1L, 2L], appended[0].Select(e => e.Seq));
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(["turn-5", "turn-6"], log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        Assert.Equal(2, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEventBatches_ManyCommitsOfSeveralSessions_EachLogGapFreeInOrder()
    {
        var sessions = new[] { await CreateSessionAsync(), await CreateSessionAsync(), await CreateSessionAsync() };
        var next = new int[sessions.Length];

        for (var commit = 0; commit < 20; commit++)
        {
            // Each commit carries a different mix: some sessions twice, some not at all.
            var batches = Enumerable.Range(0, 1 + commit % 4)
                .Select(i => (commit + i) % sessions.Length)
                .Select(s =>
                {
                    var expected = next[s];
                    return new EventBatch(sessions[s].SessionId, expected, [.. Enumerable.Range(0, 1 + (commit + s) % 3).Select(_ => Turn(++next[s]))]);
                })
                .ToList();
            var numbered = await Store.AppendEventBatchesAsync(batches, CancellationToken);
            Assert.All(numbered.Zip(batches), pair => Assert.Equal(pair.Second.Events.Select(e => ((TurnStartedEvent)e).TurnId), pair.First.Cast<TurnStartedEvent>().Select(e => e.TurnId)));
        }

        for (var s = 0; s < sessions.Length; s++)
        {
            var log = await Store.ReadEventsAsync(sessions[s].SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
            Assert.Equal(Enumerable.Range(1, next[s]).Select(i => (long)i), log.Select(e => e.Seq));
            Assert.Equal(Enumerable.Range(1, next[s]).Select(i => $"turn-{i}"), log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_EmptyBatch_ReturnsEmptyAndLeavesLog()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);

        Assert.Empty(await Store.AppendEventsAsync(session.SessionId, 1, [], CancellationToken));
        // Empty or not, a batch that expects another last seq is refused.
        await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventsAsync(session.SessionId, 0, [], CancellationToken));

        Assert.Equal(1, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task GetLastSeq_EmptyLog_ReturnsZero()
    {
        var session = await CreateSessionAsync();

        Assert.Equal(0, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadEvents_AfterK_ReturnsOnlyLaterEventsInOrder()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [.. Enumerable.Range(1, 8).Select(Turn)], CancellationToken);

        var afterFive = await Store.ReadEventsAsync(session.SessionId, 5, CancellationToken).ToListAsync(CancellationToken);
        var afterLast = await Store.ReadEventsAsync(session.SessionId, 8, CancellationToken).ToListAsync(CancellationToken);
        var beyond = await Store.ReadEventsAsync(session.SessionId, 100, CancellationToken).ToListAsync(CancellationToken);

        Assert.Equal([6L, 7L, 8L], afterFive.Select(e => e.Seq));
        Assert.Equal(["turn-6", "turn-7", "turn-8"], afterFive.Cast<TurnStartedEvent>().Select(e => e.TurnId));
        Assert.Empty(afterLast);
        Assert.Empty(beyond);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadEvents_UnknownSession_ReturnsEmpty()
    {
        Assert.Empty(await Store.ReadEventsAsync(Guid.NewGuid().ToString(), 0, CancellationToken).ToListAsync(CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadEvents_CancelledToken_ThrowsOperationCanceled()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2)], CancellationToken);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await Store.ReadEventsAsync(session.SessionId, 0, cancelled.Token).ToListAsync(CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_ConcurrentTasksRetryingOnConflict_NumbersGapFreeWithoutDuplicates()
    {
        const int Tasks = 8;
        const int EventsPerTask = 50;
        var session = await CreateSessionAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await start.Task.WaitAsync(CancellationToken);
            var mine = new List<SessionEvent>();
            for (var i = 0; i < EventsPerTask; i++)
            {
                var e = new TurnCompletedEvent { TurnId = $"{t}:{i}", Timestamp = Epoch };
                mine.AddRange((await Store.AppendRetryingAsync(session.SessionId, [e], CancellationToken)).Appended);
            }

            return mine;
        }, CancellationToken)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(writers);

        var returned = results.SelectMany(r => r).OrderBy(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, Tasks * EventsPerTask).Select(i => (long)i), returned.Select(e => e.Seq));
        // Each writer's own appends were numbered in the order it made them.
        Assert.All(results, r => Assert.Equal(r.Select(e => e.Seq).Order(), r.Select(e => e.Seq)));

        var stored = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(returned.Select(Json), stored.Select(Json));
        Assert.Equal(Tasks * EventsPerTask, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadEvents_WhileTasksAppend_AlwaysSeesGapFreePrefixOfWholeBatches()
    {
        const int Writers = 4;
        const int AppendsPerWriter = 40;
        var session = await CreateSessionAsync();

        var writers = Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < AppendsPerWriter; i++)
            {
                await Store.AppendRetryingAsync(session.SessionId, [Turn(i), Turn(i)], CancellationToken);
            }
        }, CancellationToken)));
        do
        {
            // What a client replaying the log sees: numbers 1..n, and never one event of a two-event append alone.
            var seqs = (await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Select(e => e.Seq).ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            Assert.True(seqs.Count % 2 == 0, $"A read saw {seqs.Count} events: half of an append.");
        }
        while (!writers.IsCompleted);
        await writers;

        Assert.Equal(Writers * AppendsPerWriter * 2, await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).CountAsync(CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_EveryEventType_RoundTripsAsIdenticalJson()
    {
        var session = await CreateSessionAsync();
        var events = OneOfEachEventType();
        var declared = AgentRuntimeJsonContext.Default.SessionEvent.PolymorphismOptions!.DerivedTypes.Select(d => d.DerivedType);
        Assert.Subset(events.Select(e => e.GetType()).ToHashSet(), declared.ToHashSet());

        var appended = await Store.AppendEventsAsync(session.SessionId, 0, events, CancellationToken);

        var stored = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(events.Count, stored.Count);
        Assert.Equal(appended.Select(Json), stored.Select(Json));
        Assert.Equal(events.Select(e => e.GetType()), stored.Select(e => e.GetType()));
        Assert.Equal(events.Select(e => Json(e with { Seq = 0, SessionId = "" })), stored.Select(e => Json(e with { Seq = 0, SessionId = "" })));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_UnknownSession_ThrowsKeyNotFound()
    {
        var sessionId = Guid.NewGuid().ToString();

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AppendEventsAsync(sessionId, 0, [Turn(1)], CancellationToken));

        Assert.Equal(0, await Store.GetLastSeqAsync(sessionId, CancellationToken));
    }
}
