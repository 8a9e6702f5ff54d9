using System.Collections.Concurrent;
using System.Net;

namespace AgentRuntime.Gateway.Tests.Support;

/// <summary>
/// What a sandbox's processes do, without a sandbox: every connection they open to the model or egress port is one
/// end of a socket pair whose other end goes to the lease, as a sandbox provider hands it over.
/// </summary>
internal sealed class SandboxSide(ISandboxGatewayLease lease) : IAsyncDisposable
{
    private readonly ConcurrentBag<Task> _serving = [];
    private readonly List<IDisposable> _clients = [];

    /// <summary>Connections served so far, finished or not.</summary>
    public IReadOnlyCollection<Task> Serving => _serving;

    /// <summary>An HTTP client whose every connection goes to the lease's model port, as the agent's base URL does.</summary>
    public HttpClient ModelClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var (sandbox, runtime) = await SocketPair.CreateAsync(cancellationToken);
                _serving.Add(lease.ServeModelAsync(runtime, CancellationToken.None));
                return sandbox;
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:41000/"), Timeout = TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    /// <summary>An HTTP client whose proxy is the lease's egress port, as HTTPS_PROXY/HTTP_PROXY make it.</summary>
    public HttpClient EgressClient()
    {
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy("http://127.0.0.1:41001"),
            UseProxy = true,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var (sandbox, runtime) = await SocketPair.CreateAsync(cancellationToken);
                _serving.Add(lease.ServeEgressAsync(runtime, CancellationToken.None));
                return sandbox;
            },
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    /// <summary>One raw connection to the egress port.</summary>
    public async Task<Stream> ConnectEgressAsync(CancellationToken cancellationToken)
    {
        var (sandbox, runtime) = await SocketPair.CreateAsync(cancellationToken);
        _serving.Add(lease.ServeEgressAsync(runtime, CancellationToken.None));
        return sandbox;
    }

    /// <summary>One raw connection to the model port.</summary>
    public async Task<Stream> ConnectModelAsync(CancellationToken cancellationToken)
    {
        var (sandbox, runtime) = await SocketPair.CreateAsync(cancellationToken);
        _serving.Add(lease.ServeModelAsync(runtime, CancellationToken.None));
        return sandbox;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        // Every connection ends once its client is gone; one still served after that is a leak.
        await Task.WhenAll(_serving).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
