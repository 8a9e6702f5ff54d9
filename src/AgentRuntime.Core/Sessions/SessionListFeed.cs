using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AgentRuntime.Sessions;

/// <summary>Fans session-list changes out to subscribers, one channel each; a subscriber that falls far behind is dropped.</summary>
internal sealed class SessionListFeed
{
    private readonly Lock _sync = new();
    private readonly List<Channel<SessionListChange>> _subscribers = [];

    public void Publish(SessionListChange change)
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
