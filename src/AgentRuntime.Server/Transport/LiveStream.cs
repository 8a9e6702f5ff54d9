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
        Func<CancellationToken, IAsyncEnumerable<T>> subscribe,
        TimeSpan? idle,
        Func<Exception, Exception>? translate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The relay's own token, so that however it ends (the consumer may stop between items, with a move of the
        // subscription still running after a keep-alive) it can end that move before disposing the subscription,
        // which an async iterator does not allow while a move runs.
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var items = subscribe(relay.Token).GetAsyncEnumerator(relay.Token);
        Task<bool>? next = null;
        try
        {
            while (true)
            {
                next = items.MoveNextAsync().AsTask();
                while (idle is { } interval && !relay.IsCancellationRequested
                    && await Task.WhenAny(next, Task.Delay(interval, relay.Token)).ConfigureAwait(false) != next)
                {
                    if (!relay.IsCancellationRequested)
                    {
                        yield return LiveItem<T>.KeepAlive;
                    }
                }

                bool more;
                try
                {
                    more = await next.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (relay.IsCancellationRequested)
                {
                    yield break;
                }
                catch (Exception ex) when (translate is not null && ex is not OperationCanceledException)
                {
                    throw translate(ex);
                }
                finally
                {
                    next = null;
                }

                if (!more)
                {
                    yield break;
                }

                yield return new LiveItem<T>(items.Current);
            }
        }
        finally
        {
            if (next is { IsCompleted: false })
            {
                await relay.CancelAsync().ConfigureAwait(false);
                await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }

            await items.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>An item of a live subscription, or a keep-alive (<see cref="IsKeepAlive"/>) after a silence.</summary>
internal readonly record struct LiveItem<T>(T Value)
{
    public static LiveItem<T> KeepAlive => new(default!) { IsKeepAlive = true };

    public bool IsKeepAlive { get; private init; }
}
