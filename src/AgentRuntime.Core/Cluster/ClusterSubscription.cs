using System.Runtime.CompilerServices;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Cluster;

/// <summary>
/// A subscriber's view of a session's events, wherever the session lives: the logged events after a sequence number,
/// then live ones, with no gap and no duplicate at the seam. On the session's own node they come straight from its
/// actor's log, as in a single process; from another node they come through the session's grain, which reads the same
/// log there and streams it back in batches. When the session's node is lost, the subscription follows the session to
/// the node it is reactivated on (loaded from the store, where every acknowledged event is) and goes on after the last
/// event it delivered. It does the same whenever the session's log ends while the session still exists: a draining node
/// handed it over (<see cref="SessionMovedException"/>), or the cluster deactivated it; a deleted session ends the
/// subscription, as does this node stopping.
/// </summary>
internal sealed class ClusterSubscription(ISessionGrain grain, LocalSessions local, string sessionId, long afterSeq)
{
    // How often in a row a subscription follows its session to another node before it gives up (then the caller sees
    // the error and may subscribe again after the last seq it got).
    private const int MaxMoves = 5;
    private static readonly TimeSpan MoveDelay = TimeSpan.FromMilliseconds(200);

    public async IAsyncEnumerable<SessionEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterSeq;
        var moves = 0;
        while (true)
        {
            // The first time, any failure is the caller's (a 404 for an unknown session); after that, the session is
            // being followed, and where it is may take a moment to settle.
            var events = await OpenAsync(last, following: moves > 0, cancellationToken).ConfigureAwait(false);
            if (events is null)
            {
                yield break;
            }

            var ended = false;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            ended = true;
                            break;
                        }
                    }
                    catch (SubscriberLaggedException)
                    {
                        // Across nodes the exception keeps its type but not its seq; this side knows what it delivered.
                        throw new SubscriberLaggedException(last);
                    }
                    catch (Exception ex) when (CanFollow(ex) && moves < MaxMoves && !cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    moves = 0;
                    last = events.Current.Seq;
                    yield return events.Current;
                }
            }
            finally
            {
                try
                {
                    await events.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsNodeLost(ex))
                {
                    // The node that served it is gone, and its enumeration with it.
                }
            }

            // A log that simply ended was closed: the session was deleted (the next load says so), unloaded from its
            // node for any reason (the cluster deactivated it, its node stopping or draining), or this node is
            // stopping, whose own subscribers go with it.
            if ((ended && local.Stopping) || moves >= MaxMoves || cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            moves++;
            await Task.Delay(MoveDelay * moves, cancellationToken).ConfigureAwait(false);
        }
    }

    // Where the session is now: the actor's log when it is loaded on this node, else the grain's stream from its node.
    // Null when a followed session turns out to be deleted.
    private async Task<IAsyncEnumerator<SessionEvent>?> OpenAsync(long after, bool following, CancellationToken cancellationToken)
    {
        var attempts = 0;
        while (true)
        {
            try
            {
                // Loads the session where the cluster places it (on this node, when it is active nowhere and this node
                // is not draining).
                _ = await grain.LoadAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                var source = local.TryGetLoaded(sessionId) is { } actor
                    ? actor.Log.SubscribeAsync(after, cancellationToken)
                    : grain.SubscribeAsync(after, cancellationToken);
                return source.GetAsyncEnumerator(cancellationToken);
            }
            catch (SessionNotFoundException) when (following)
            {
                return null;
            }
            catch (Exception ex) when (following && CanFollow(ex) && ++attempts < MaxMoves && !cancellationToken.IsCancellationRequested)
            {
                // The old node is not declared dead yet, or is stopping: the cluster places the session elsewhere soon.
                await Task.Delay(MoveDelay * attempts, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool CanFollow(Exception exception) => IsNodeLost(exception) || exception is SessionMovedException or NodeStoppingException;

    /// <summary>The session's node stopped answering or is gone: the session will be reactivated elsewhere.</summary>
    public static bool IsNodeLost(Exception exception) =>
        exception is OrleansMessageRejectionException or EnumerationAbortedException or TimeoutException or ObjectDisposedException
        || (exception is OrleansException && exception is not OrleansConfigurationException);
}
