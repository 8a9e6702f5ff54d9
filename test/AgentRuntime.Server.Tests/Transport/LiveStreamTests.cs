using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentRuntime.Transport;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>The loop every live transport runs: keep-alives in silences, a quiet end, and no subscription left mid-move.</summary>
public sealed class LiveStreamTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task ASilence_YieldsKeepAlives_ThenTheItem()
    {
        var ct = TestContext.Current.CancellationToken;
        var items = Channel.CreateUnbounded<int>();
        var seen = new List<LiveItem<int>>();
        await foreach (var item in LiveStream.RelayAsync(token => items.Reader.ReadAllAsync(token), Idle, translate: null, reportCaughtUp: false, ct))
        {
            seen.Add(item);
            if (seen.Count(i => i.IsKeepAlive) == 2 && seen.All(i => i.IsKeepAlive))
            {
                items.Writer.TryWrite(7);
                items.Writer.TryComplete();
            }
        }

        Assert.Equal(2, seen.Count(i => i.IsKeepAlive));
        Assert.Equal(7, Assert.Single(seen, i => !i.IsKeepAlive).Value);
    }

    [Fact]
    public async Task ItemsAlreadyThere_AreRelayedThenOneCaughtUp_AndAgainAfterTheNextBurst()
    {
        var ct = TestContext.Current.CancellationToken;
        var items = Channel.CreateUnbounded<int>();
        items.Writer.TryWrite(1);
        items.Writer.TryWrite(2);
        items.Writer.TryWrite(3);
        var seen = new List<string>();
        await foreach (var item in LiveStream.RelayAsync(token => items.Reader.ReadAllAsync(token), idle: null, translate: null, reportCaughtUp: true, ct))
        {
            seen.Add(item.IsCaughtUp ? "caught up" : item.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (seen.Count == 4)
            {
                items.Writer.TryWrite(4);
                items.Writer.TryWrite(5);
                items.Writer.TryComplete();
            }
        }

        Assert.Equal(["1", "2", "3", "caught up", "4", "5"], seen.Take(6));
    }

    [Fact]
    public async Task AConsumerThatStopsAfterAKeepAlive_EndsTheSubscriptionsMoveBeforeDisposingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var subscription = new WatchedSubscription();
        await foreach (var item in LiveStream.RelayAsync(subscription.ReadAsync, Idle, translate: null, reportCaughtUp: false, ct))
        {
            Assert.True(item.IsKeepAlive);
            break; // As an SSE writer does when the client has gone.
        }

        Assert.True(subscription.Cancelled);
        Assert.True(subscription.Disposed);
    }

    [Fact]
    public async Task TheCallersCancellation_EndsQuietly_AndErrorsAreTranslated()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stop = new CancellationTokenSource(Idle);
        var items = Channel.CreateUnbounded<int>();
        await foreach (var item in LiveStream.RelayAsync(token => items.Reader.ReadAllAsync(token), idle: null, translate: null, reportCaughtUp: false, stop.Token))
        {
            Assert.Fail($"nothing was written, yet {item} came");
        }

        var failing = Channel.CreateUnbounded<int>();
        failing.Writer.TryComplete(new InvalidOperationException("lagged"));
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var _ in LiveStream.RelayAsync(token => failing.Reader.ReadAllAsync(token), idle: null, e => new ArgumentException($"as the transport says it: {e.Message}"), reportCaughtUp: false, ct))
            {
            }
        });
        Assert.Equal("as the transport says it: lagged", error.Message);
    }

    /// <summary>A subscription that records whether its move was cancelled and whether it was disposed (after, not during).</summary>
    private sealed class WatchedSubscription
    {
        public bool Cancelled { get; private set; }

        public bool Disposed { get; private set; }

        public async IAsyncEnumerable<int> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                yield break;
            }
            finally
            {
                Cancelled = cancellationToken.IsCancellationRequested;
                Disposed = true;
            }
        }
    }
}
