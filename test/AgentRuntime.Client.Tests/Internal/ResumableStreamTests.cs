using System.Runtime.CompilerServices;
using AgentRuntime.Client.Internal;
using AgentRuntime.Events;

namespace AgentRuntime.Client.Tests.Internal;

public sealed class ResumableStreamTests
{
    private static readonly ReconnectPolicy NoDelay = new([TimeSpan.Zero], maxAttempts: 3);

    [Fact]
    public async Task Read_GapInTheStream_ResubscribesFromTheLastYieldedSeq()
    {
        var script = new ScriptedSubscriptions(
            after => after == 0 ? Stream(1, 2, 4, 5) : Stream(3, 4, 5),
            end: true);

        var seqs = await ReadSessionAsync(script);

        Assert.Equal([1, 2, 3, 4, 5], seqs);
        Assert.Equal([0, 2], script.AfterSeqs);
    }

    [Fact]
    public async Task Read_DuplicateEvents_AreYieldedOnce()
    {
        var script = new ScriptedSubscriptions(_ => Stream(1, 2, 2, 1, 3), end: true);

        var seqs = await ReadSessionAsync(script);

        Assert.Equal([1, 2, 3], seqs);
        Assert.Equal([0], script.AfterSeqs);
    }

    [Fact]
    public async Task Read_StreamFailsMidway_ResubscribesAfterTheLastSeqAndSkipsWhatItRepeats()
    {
        var script = new ScriptedSubscriptions(
            after => after == 0 ? Failing(new IOException("connection reset"), 1, 2, 3) : Stream(2, 3, 4),
            end: true);

        var seqs = await ReadSessionAsync(script);

        Assert.Equal([1, 2, 3, 4], seqs);
        Assert.Equal([0, 3], script.AfterSeqs);
    }

    [Fact]
    public async Task Read_FailsWithoutProgressMoreThanTheLimit_ThrowsTheLastError()
    {
        var script = new ScriptedSubscriptions(_ => Failing(new IOException("refused")), end: true);

        var error = await Assert.ThrowsAsync<IOException>(() => ReadSessionAsync(script));

        Assert.Equal("refused", error.Message);
        Assert.Equal(NoDelay.MaxAttempts + 1, script.AfterSeqs.Count);
    }

    [Fact]
    public async Task Read_CompletedAndNotToBeResumed_Ends()
    {
        var script = new ScriptedSubscriptions(_ => Stream(1), end: true);

        Assert.Equal([1], await ReadSessionAsync(script));
    }

    [Fact]
    public async Task Read_CompletedButToBeResumed_SubscribesAgainAfterTheLastSeq()
    {
        var calls = 0;
        var script = new ScriptedSubscriptions(after => after == 0 ? Stream(1, 2) : Stream(3), end: false);
        script.Resume = failure => ++calls == 1;

        Assert.Equal([1, 2, 3], await ReadSessionAsync(script));
        Assert.Equal([0, 2], script.AfterSeqs);
    }

    private static async Task<List<long>> ReadSessionAsync(ScriptedSubscriptions script)
    {
        var cursor = new SeqCursor(0);
        var seqs = new List<long>();
        var stream = ResumableStream.ReadAsync(
            token => script.Open(cursor.Last, token),
            cursor.Accept,
            (failure, _) => Task.FromResult(script.Resume(failure)),
            NoDelay,
            TestContext.Current.CancellationToken);
        await foreach (var e in stream.WithCancellation(TestContext.Current.CancellationToken))
        {
            seqs.Add(e.Seq);
        }

        return seqs;
    }

    private static async IAsyncEnumerable<SessionEvent> Stream(params long[] seqs)
    {
        foreach (var seq in seqs)
        {
            await Task.Yield();
            yield return new TurnStartedEvent { Seq = seq, TurnId = "t" };
        }
    }

    private static async IAsyncEnumerable<SessionEvent> Failing(Exception error, params long[] seqs)
    {
        await foreach (var e in Stream(seqs))
        {
            yield return e;
        }

        throw error;
    }

    /// <summary>Answers each subscription with a scripted stream and records the seq it subscribed after.</summary>
    private sealed class ScriptedSubscriptions(Func<long, IAsyncEnumerable<SessionEvent>> answer, bool end)
    {
        public List<long> AfterSeqs { get; } = [];

        // By default a failure resumes and a completion ends (or resumes, when end is false).
        public Func<Exception?, bool> Resume { get; set; } = failure => failure is not null || !end;

        public async IAsyncEnumerable<SessionEvent> Open(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            AfterSeqs.Add(afterSeq);
            await foreach (var e in answer(afterSeq).WithCancellation(cancellationToken))
            {
                yield return e;
            }
        }
    }
}
