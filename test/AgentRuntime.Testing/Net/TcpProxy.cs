using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Testing.Net;

/// <summary>
/// A loopback TCP proxy in front of a server whose live connections a test can cut at any moment, the way a network
/// drop would, while it keeps accepting new ones so the client can reconnect; and which can be pointed at a server
/// restarted on another port, so the client's address stays the same.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Client, Socket Server)> _open = [];
    private readonly Task _accepting;
    private int _accepted;

    public TcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Sends new connections to another server (one restarted on another port).</summary>
    public void Retarget(Uri target) => Volatile.Write(ref _target, new IPEndPoint(IPAddress.Parse(target.Host), target.Port));

    /// <summary>Where clients connect.</summary>
    public Uri Address { get; }

    /// <summary>How many connections the proxy has accepted in all.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Resets every open connection (both sides), as a dropped network would.</summary>
    public int CutAll()
    {
        List<(Socket Client, Socket Server)> pairs;
        lock (_open)
        {
            pairs = [.. _open];
            _open.Clear();
        }

        foreach (var (client, server) in pairs)
        {
            Reset(client);
            Reset(server);
        }

        return pairs.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // The listener stopped under the accept loop, as intended.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(Volatile.Read(ref _target), _stop.Token);
            }
            catch (SocketException)
            {
                Reset(client);
                server.Dispose();
                continue;
            }

            lock (_open)
            {
                _open.Add((client, server));
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Cut by the test, or closed by one side.
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0 makes Close send a RST rather than a graceful FIN, like a connection that died.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
