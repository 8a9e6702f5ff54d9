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
                // Only a move that does not complete at once waits with a timer, and that timer goes with the move:
                // a busy stream (most moves complete at once) sets none, and none outlives its wait.
                while (idle is { } interval && !next.IsCompleted && !relay.IsCancellationRequested)
                {
                    if (await TimedOutAsync(next, interval, relay.Token).ConfigureAwait(false))
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

    /// <summary>Whether <paramref name="interval"/> passed before <paramref name="move"/> completed.</summary>
    private static async Task<bool> TimedOutAsync(Task move, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await move.WaitAsync(interval, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
        catch (Exception)
        {
            return false; // The move failed or the relay ended: the caller finds out from the move itself.
        }
    }
}

/// <summary>An item of a live subscription, or a keep-alive (<see cref="IsKeepAlive"/>) after a silence.</summary>
internal readonly record struct LiveItem<T>(T Value)
{
    public static LiveItem<T> KeepAlive => new(default!) { IsKeepAlive = true };

    public bool IsKeepAlive { get; private init; }
}
