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
/// event it delivered. It does the same when a draining node hands the session over (its log ends with
/// <see cref="SessionMovedException"/>).
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
            // Loads the session where the cluster places it (here, when it is active nowhere).
            _ = await grain.LoadAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var source = local.TryGetLoaded(sessionId) is { } actor
                ? actor.Log.SubscribeAsync(last, cancellationToken)
                : grain.SubscribeAsync(last, cancellationToken);
            var events = source.GetAsyncEnumerator(cancellationToken);
            var lost = false;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (SubscriberLaggedException)
                    {
                        // Across nodes the exception keeps its type but not its seq; this side knows what it delivered.
                        throw new SubscriberLaggedException(last);
                    }
                    catch (Exception ex) when ((IsNodeLost(ex) || ex is SessionMovedException) && moves < MaxMoves && !cancellationToken.IsCancellationRequested)
                    {
                        lost = true;
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

            if (!lost)
            {
                yield break;
            }

            moves++;
            await Task.Delay(MoveDelay * moves, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The session's node stopped answering or is gone: the session will be reactivated elsewhere.</summary>
    public static bool IsNodeLost(Exception exception) =>
        exception is OrleansMessageRejectionException or EnumerationAbortedException or TimeoutException or ObjectDisposedException
        || (exception is OrleansException && exception is not OrleansConfigurationException);
}
