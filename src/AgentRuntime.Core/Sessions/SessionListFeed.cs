using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AgentRuntime.Sessions;

/// <summary>
/// Fans session-list changes out to this node's subscribers, one channel each; a subscriber that falls far behind is
/// dropped. Changes made here also go to the other nodes of the cluster through <see cref="Relay"/>, and theirs come in
/// through <see cref="PublishHere"/>.
/// </summary>
internal sealed class SessionListFeed
{
    private readonly Lock _sync = new();
    private readonly List<Channel<SessionListChange>> _subscribers = [];

    /// <summary>Sends a change made on this node to the other nodes (set by <c>SessionListRelay</c> while the node runs).</summary>
    public Action<SessionListChange>? Relay { get; set; }

    /// <summary>How many subscribers this node's feed has.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_sync)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>A change of a session owned by this node: for this node's subscribers and the other nodes'.</summary>
    public void Publish(SessionListChange change)
    {
        PublishHere(change);
        Relay?.Invoke(change);
    }

    /// <summary>A change for this node's subscribers only.</summary>
    public void PublishHere(SessionListChange change)
    {
        lock (_sync)
        {
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(change))
                {
                    _subscribers[i].Writer.TryComplete(new SubscriberLaggedException(0));
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    public async IAsyncEnumerable<SessionListChange> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SessionListChange>(new BoundedChannelOptions(1000) { SingleReader = true });
        lock (_sync)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_sync)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
