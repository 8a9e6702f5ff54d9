using System.Threading.Channels;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Cluster;

/// <summary>
/// Joins this node's session-list feed to the cluster's (<see cref="ISessionListFeedGrain"/>): changes of sessions owned
/// here go to the other nodes, theirs come to this node's subscribers. Started when the silo is active, so grain calls
/// work; the join is refreshed on a timer, which also finds the feed again after the node that held it was lost.
/// </summary>
internal sealed partial class SessionListRelay(SessionServices services, IGrainFactory grains, ILogger<SessionListRelay> logger)
    : ILifecycleParticipant<ISiloLifecycle>, ISessionListObserver
{
    /// <summary>How often a node refreshes its place in the cluster's feed.</summary>
    public static readonly TimeSpan RejoinInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(2);

    private readonly string _nodeId = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();

    // Changes leave in the order they were made, one call at a time (unordered concurrent calls could overtake).
    private readonly Channel<SessionListChange> _outgoing = Channel.CreateBounded<SessionListChange>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    private ISessionListObserver? _reference;
    private Task _rejoining = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;

    private ISessionListFeedGrain Feed => grains.GetGrain<ISessionListFeedGrain>(0);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SessionListRelay), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public Task OnChangedAsync(SessionListChange change)
    {
        services.ListFeed.PublishHere(change);
        return Task.CompletedTask;
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<ISessionListObserver>(this);
        await JoinAsync().ConfigureAwait(false);
        services.ListFeed.Relay = change => _outgoing.Writer.TryWrite(change);
        _rejoining = RejoinAsync(_stopping.Token);
        _sending = SendAsync();
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        services.ListFeed.Relay = null;
        _outgoing.Writer.TryComplete();
        await _sending.ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _rejoining.ConfigureAwait(false);
        try
        {
            await Feed.LeaveAsync(_nodeId).WaitAsync(LeaveTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Leaving is a courtesy (the feed drops a node that stops refreshing anyway), so it never holds up a stop,
            // even when the feed's own node is stopping too.
            LogFeedUnreachable(ex);
        }

        if (_reference is not null)
        {
            grains.DeleteObjectReference<ISessionListObserver>(_reference);
        }
    }

    private async Task RejoinAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RejoinInterval, services.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await JoinAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task JoinAsync()
    {
        try
        {
            await Feed.JoinAsync(_nodeId, _reference!).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The feed's node was just lost, or the cluster is forming: the next refresh tries again.
            LogFeedUnreachable(ex);
        }
    }

    private async Task SendAsync()
    {
        await foreach (var change in _outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await Feed.PublishAsync(_nodeId, change).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogFeedUnreachable(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's session-list feed did not answer; other nodes may miss list changes until it does")]
    private partial void LogFeedUnreachable(Exception exception);
}
