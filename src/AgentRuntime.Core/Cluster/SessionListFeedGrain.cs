using AgentRuntime.Sessions;
using Orleans.Concurrency;

namespace AgentRuntime.Cluster;

/// <summary>
/// The cluster's session-list feed: every node joins it with an observer and sends it the changes of the sessions it
/// owns; it passes each change on to the other nodes, whose own feeds hand it to their subscribers. One activation for
/// the cluster (key 0): list changes are a few per turn, far below what one grain passes on.
/// </summary>
[Alias("AgentRuntime.SessionListFeed")]
internal interface ISessionListFeedGrain : IGrainWithIntegerKey
{
    /// <summary>Adds (or refreshes) a node's observer; a node that stops refreshing is dropped after a while.</summary>
    [Alias("Join")]
    Task JoinAsync(string nodeId, ISessionListObserver observer);

    /// <summary>Removes a node's observer (it is stopping).</summary>
    [Alias("Leave")]
    Task LeaveAsync(string nodeId);

    /// <summary>
    /// Passes a change on to every node but the one it came from, which told its own subscribers already. Not one-way:
    /// a sender awaits each change's arrival before it sends the next, so a node's changes cannot overtake each other
    /// on their way here (a one-way call may still be finding the grain when the next one leaves).
    /// </summary>
    [Alias("Publish")]
    Task PublishAsync(string fromNodeId, SessionListChange change);
}

/// <summary>A node's end of the session-list feed.</summary>
[Alias("AgentRuntime.SessionListObserver")]
internal interface ISessionListObserver : IGrainObserver
{
    /// <summary>A change of a session owned by another node.</summary>
    [Alias("Changed"), OneWay]
    Task OnChangedAsync(SessionListChange change);
}

/// <summary>
/// Fans list changes out to the nodes. Not reentrant: changes are passed on in the order they arrive, and a node's
/// changes arrive in the order it sent them. If its own node is lost, the grain is reactivated elsewhere by the next
/// call and the nodes find it again when they next refresh (<see cref="SessionListRelay.RejoinInterval"/>); changes
/// published meanwhile reach only the subscribers on the node that made them.
/// </summary>
internal sealed class SessionListFeedGrain(SessionServices services) : Grain, ISessionListFeedGrain
{
    /// <summary>A node that has not refreshed its observer for this long is taken for gone.</summary>
    public static readonly TimeSpan NodeExpiry = SessionListRelay.RejoinInterval * 3;

    private readonly Dictionary<string, (ISessionListObserver Observer, DateTimeOffset Seen)> _nodes = new(StringComparer.Ordinal);

    public Task JoinAsync(string nodeId, ISessionListObserver observer)
    {
        _nodes[nodeId] = (observer, services.Time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task LeaveAsync(string nodeId)
    {
        _nodes.Remove(nodeId);
        return Task.CompletedTask;
    }

    public Task PublishAsync(string fromNodeId, SessionListChange change)
    {
        var now = services.Time.GetUtcNow();
        foreach (var (nodeId, node) in _nodes.ToList())
        {
            if (now - node.Seen > NodeExpiry)
            {
                _nodes.Remove(nodeId);
            }
            else if (nodeId != fromNodeId)
            {
                // One-way: a slow or dead node neither holds up the others nor fails the publisher.
                _ = node.Observer.OnChangedAsync(change);
            }
        }

        return Task.CompletedTask;
    }
}
