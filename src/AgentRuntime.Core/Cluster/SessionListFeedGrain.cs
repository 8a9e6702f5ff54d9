using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;

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
    [Alias("Changed")]
    Task OnChangedAsync(SessionListChange change);
}

/// <summary>
/// Fans list changes out to the nodes. Not reentrant: changes are taken in the order they arrive, and a node's changes
/// arrive in the order it sent them. Each node gets them in that order too: its deliveries are awaited one after the
/// other (messages on their own may overtake each other), on a chain of its own, so a slow or dead node holds up only
/// itself, and one that falls too far behind is dropped until it joins again. If the grain's own node is lost, the grain
/// is reactivated elsewhere by the next call and the nodes find it again when they next refresh
/// (<see cref="SessionListRelay.RejoinInterval"/>); changes published meanwhile reach only the subscribers on the node
/// that made them.
/// </summary>
internal sealed partial class SessionListFeedGrain(SessionServices services, ILogger<SessionListFeedGrain> logger) : Grain, ISessionListFeedGrain
{
    /// <summary>A node that has not refreshed its observer for this long is taken for gone.</summary>
    public static readonly TimeSpan NodeExpiry = SessionListRelay.RejoinInterval * 3;

    // Changes waiting for one node before it is dropped as too slow.
    private const int MaxBacklog = 1000;

    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    public Task JoinAsync(string nodeId, ISessionListObserver observer)
    {
        var now = services.Time.GetUtcNow();
        if (_nodes.TryGetValue(nodeId, out var node) && node.Observer.Equals(observer))
        {
            node.Seen = now;
        }
        else
        {
            _nodes[nodeId] = new Node(observer) { Seen = now };
        }

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
            if (now - node.Seen > NodeExpiry || node.Backlog >= MaxBacklog)
            {
                _nodes.Remove(nodeId);
                LogNodeDropped(nodeId, node.Backlog);
            }
            else if (nodeId != fromNodeId)
            {
                node.Backlog++;
                node.Tail = DeliverAsync(node, node.Tail, change);
            }
        }

        return Task.CompletedTask;
    }

    // Runs on the grain's scheduler, after the node's previous delivery.
    private async Task DeliverAsync(Node node, Task previous, SessionListChange change)
    {
        await previous;
        try
        {
            await node.Observer.OnChangedAsync(change);
        }
        catch (Exception ex)
        {
            LogDeliveryFailed(ex);
        }
        finally
        {
            node.Backlog--;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A node did not take a session-list change; it may show a stale list until it refreshes")]
    private partial void LogDeliveryFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped node {NodeId} from the session-list feed ({Backlog} changes behind, or silent); it joins again when it next refreshes")]
    private partial void LogNodeDropped(string nodeId, int backlog);

    private sealed class Node(ISessionListObserver observer)
    {
        public ISessionListObserver Observer { get; } = observer;

        public DateTimeOffset Seen { get; set; }

        public int Backlog { get; set; }

        public Task Tail { get; set; } = Task.CompletedTask;
    }
}
