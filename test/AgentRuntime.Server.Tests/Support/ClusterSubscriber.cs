using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Testing.Hosts;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// A client watching one session through one node of a <see cref="HostCluster"/>, over SSE or the SignalR hub. When the
/// node it is connected to dies it does what a client must — connects to a live node and resumes after the last seq it
/// has — and nothing else: if its stream breaks or ends while its node is alive, that is a failure it keeps
/// (<see cref="Failure"/>), since following a session to a survivor is then the server's job.
/// </summary>
internal sealed class ClusterSubscriber : IAsyncDisposable
{
    private readonly HostCluster _cluster;
    private readonly string _sessionId;
    private readonly bool _hub;
    private readonly List<SessionEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterSubscriber(HostCluster cluster, int node, string sessionId, bool hub)
    {
        _cluster = cluster;
        _sessionId = sessionId;
        _hub = hub;
        Node = node;
        _pump = Task.Run(() => PumpAsync(_stop.Token));
    }

    /// <summary>The node it is connected to now.</summary>
    public int Node { get; private set; }

    /// <summary>How many times it moved to another node because its own died.</summary>
    public int Reconnects { get; private set; }

    /// <summary>What broke its stream while its node was alive, if anything did.</summary>
    public Exception? Failure { get; private set; }

    public string Transport => _hub ? "hub" : "SSE";

    public IReadOnlyList<SessionEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>Waits until an event matches, failing after the timeout with what arrived.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan timeout)
        where T : SessionEvent
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = _changed.Task;
            if (Events.OfType<T>().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (Failure is not null || _pump.IsCompleted)
            {
                throw new InvalidOperationException($"The {Transport} subscriber of {_sessionId} on node {Node} stopped: {Failure}");
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"No matching {typeof(T).Name} for {_sessionId} on its {Transport} subscriber (node {Node}) within {timeout}; it has {string.Join(", ", Events.Select(e => $"{e.Seq}:{e.GetType().Name}"))}.");
            }
        }
    }

    /// <summary>Waits until it has every event up to <paramref name="seq"/>.</summary>
    public Task WaitForSeqAsync(long seq, TimeSpan timeout) => WaitForAsync<SessionEvent>(e => e.Seq >= seq, timeout);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var node = _cluster.Nodes[Node];
            var after = Events.Count > 0 ? Events[^1].Seq : 0;
            Exception? broke = null;
            try
            {
                await foreach (var e in SubscribeAsync(node, after, cancellationToken))
                {
                    lock (_events)
                    {
                        _events.Add(e);
                    }

                    Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                broke = e;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // A killed node's connections may break a moment before its process is seen to have exited.
            for (var wait = 0; wait < 50 && !node.HasExited; wait++)
            {
                await Task.Delay(100, CancellationToken.None);
            }

            if (!node.HasExited)
            {
                Failure = broke ?? new InvalidOperationException("The stream ended while its node was alive.");
                _changed.TrySetResult();
                return;
            }

            Node = _cluster.Nodes.Select((n, i) => (n, i)).First(p => !p.n.HasExited).i;
            Reconnects++;
        }
    }

    private async IAsyncEnumerable<SessionEvent> SubscribeAsync(HostProcess node, long after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_hub)
        {
            await foreach (var e in SseClient.ReadAsync(node.Http, _sessionId, after, cancellationToken))
            {
                yield return e;
            }

            yield break;
        }

        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.BaseAddress, "/hubs/sessions"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(node.AdminKey))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default))
            .Build();
        await using (connection)
        {
            await connection.StartAsync(cancellationToken).WaitAsync(RunningServer.Timeout, cancellationToken);
            await foreach (var e in connection.StreamAsync<SessionEvent>("SubscribeSession", _sessionId, after, cancellationToken))
            {
                yield return e;
            }
        }
    }
}
