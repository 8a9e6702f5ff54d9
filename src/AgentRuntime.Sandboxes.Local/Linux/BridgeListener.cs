using System.Collections.Concurrent;
using System.Net.Sockets;

namespace AgentRuntime.Sandboxes.Local.Linux;

/// <summary>
/// Accepts connections on one of a sandbox's bridge sockets and hands each to the runtime's handler as a stream, until
/// disposed; disposing also closes every connection still open.
/// </summary>
internal sealed class BridgeListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Stream, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Task _accepting;

    public BridgeListener(Socket listener, Func<Stream, CancellationToken, Task> serve)
    {
        _listener = listener;
        _serve = serve;
        _accepting = AcceptAsync();
    }

    /// <summary>The port the listener is bound to.</summary>
    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndPoint!).Port;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            connection.NoDelay = true;
            var served = ServeAsync(connection);
            _connections[served] = true;
            _ = served.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        await Task.Yield();
        await using var stream = new NetworkStream(connection, ownsSocket: true);
        try
        {
            await _serve(stream, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The handler reports what concerns it; a connection that breaks, is cut at shutdown or fails in any other
            // way concerns only itself and must never stop the listener.
        }
    }
}
