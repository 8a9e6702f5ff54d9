using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AgentRuntime.Transport;

/// <summary>
/// The one loop every live transport runs over a subscription (the SSE stream and both hub methods): it relays the
/// subscription's items until the subscription ends or <c>cancellationToken</c> fires (the client went away, the
/// server is stopping), which ends the relay quietly. After <c>idle</c> without an item it yields a keep-alive, for a
/// transport that needs one to hold its connection open. With <c>reportCaughtUp</c> it says when it has relayed every
/// item there is for now (<see cref="LiveItem{T}.IsCaughtUp"/>), so that a transport that buffers writes can send a
/// burst of items in one flush. The subscription's own errors (a lagging subscriber, a session deleted) come out
/// through <c>translate</c>, as the transport reports errors.
/// </summary>
internal static class LiveStream
{
    public static async IAsyncEnumerable<LiveItem<T>> RelayAsync<T>(
        Func<CancellationToken, IAsyncEnumerable<T>> subscribe,
        TimeSpan? idle,
        Func<Exception, Exception>? translate,
        bool reportCaughtUp,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The relay's own token, so that however it ends (the consumer may stop between items, with a move of the
        // subscription still running after a keep-alive) it can end that move before disposing the subscription,
        // which an async iterator does not allow while a move runs.
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var items = subscribe(relay.Token).GetAsyncEnumerator(relay.Token);
        // A move that was not done at once and may outlive a yield (of a keep-alive or of caught-up).
        Task<bool>? waiting = null;
        // One keep-alive timer for a whole silence, not one per move: a busy stream waits between most items, and a
        // timer set and cancelled for each of them cost more than the item's own relay.
        Task? keepAliveDue = null;
        var lastYielded = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                var move = items.MoveNextAsync();
                if (!move.IsCompleted && (reportCaughtUp || idle is not null))
                {
                    waiting = move.AsTask();
                    if (reportCaughtUp)
                    {
                        yield return LiveItem<T>.CaughtUp;
                    }

                    while (idle is { } interval && !waiting.IsCompleted && !relay.IsCancellationRequested)
                    {
                        var silence = Stopwatch.GetElapsedTime(lastYielded);
                        if (silence >= interval)
                        {
                            lastYielded = Stopwatch.GetTimestamp();
                            yield return LiveItem<T>.KeepAlive;
                            continue;
                        }

                        keepAliveDue ??= Task.Delay(interval - silence, relay.Token);
                        await Task.WhenAny(waiting, keepAliveDue).ConfigureAwait(false);
                        if (keepAliveDue.IsCompleted)
                        {
                            keepAliveDue = null;
                        }
                    }
                }

                bool more;
                try
                {
                    more = waiting is null ? await move.ConfigureAwait(false) : await waiting.ConfigureAwait(false);
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
                    waiting = null;
                }

                if (!more)
                {
                    yield break;
                }

                lastYielded = Stopwatch.GetTimestamp();
                yield return new LiveItem<T>(items.Current);
            }
        }
        finally
        {
            if (waiting is { IsCompleted: false })
            {
                await relay.CancelAsync().ConfigureAwait(false);
                await waiting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }
            else if (keepAliveDue is { IsCompleted: false })
            {
                await relay.CancelAsync().ConfigureAwait(false); // Its timer goes now rather than at its time.
            }

            await items.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// An item of a live subscription; or a keep-alive (<see cref="IsKeepAlive"/>) after a silence; or the news that every
/// item there is for now has been relayed (<see cref="IsCaughtUp"/>).
/// </summary>
internal readonly record struct LiveItem<T>(T Value)
{
    public static LiveItem<T> KeepAlive => new(default!) { IsKeepAlive = true };

    public static LiveItem<T> CaughtUp => new(default!) { IsCaughtUp = true };

    public bool IsKeepAlive { get; private init; }

    public bool IsCaughtUp { get; private init; }
}
