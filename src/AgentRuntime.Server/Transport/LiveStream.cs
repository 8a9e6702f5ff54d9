using System.Runtime.CompilerServices;

namespace AgentRuntime.Transport;

/// <summary>
/// The one loop every live transport runs over a subscription (the SSE stream and both hub methods): it relays the
/// subscription's items until the subscription ends or <c>cancellationToken</c> fires (the client went away, the
/// server is stopping), which ends the relay quietly. After <c>idle</c> without an item it yields a keep-alive, for a
/// transport that needs one to hold its connection open. The subscription's own errors (a lagging subscriber, a
/// session deleted) come out through <c>translate</c>, as the transport reports errors.
/// </summary>
internal static class LiveStream
{
    public static async IAsyncEnumerable<LiveItem<T>> RelayAsync<T>(
        IAsyncEnumerable<T> subscription,
        TimeSpan? idle,
        Func<Exception, Exception>? translate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = subscription.GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                // The pending move is always awaited before the loop leaves, so the subscription is never disposed
                // while one of its moves is running.
                var next = items.MoveNextAsync().AsTask();
                while (idle is { } interval && !cancellationToken.IsCancellationRequested
                    && await Task.WhenAny(next, Task.Delay(interval, cancellationToken)).ConfigureAwait(false) != next)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        yield return LiveItem<T>.KeepAlive;
                    }
                }

                bool more;
                try
                {
                    more = await next.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
                catch (Exception ex) when (translate is not null && ex is not OperationCanceledException)
                {
                    throw translate(ex);
                }

                if (!more)
                {
                    yield break;
                }

                yield return new LiveItem<T>(items.Current);
            }
        }
    }
}

/// <summary>An item of a live subscription, or a keep-alive (<see cref="IsKeepAlive"/>) after a silence.</summary>
internal readonly record struct LiveItem<T>(T Value)
{
    public static LiveItem<T> KeepAlive => new(default!) { IsKeepAlive = true };

    public bool IsKeepAlive { get; private init; }
}
