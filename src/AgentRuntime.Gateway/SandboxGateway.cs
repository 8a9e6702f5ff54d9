using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Net;
using AgentRuntime.Gateway.Egress;
using AgentRuntime.Gateway.Model;
using AgentRuntime.Gateway.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Gateway;

/// <summary>
/// The gateway: opens leases, owns the model proxy's Kestrel (started on the first model connection, so a runtime
/// whose sandboxes never use it runs none), the one upstream HTTP client, the egress proxy and the usage ledger.
/// </summary>
internal sealed partial class SandboxGateway : ISandboxGateway, IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SandboxGatewayLease> _leases = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _serverLock = new(1, 1);
    private ModelProxyServer? _server;
    private bool _stopped;

    public SandboxGateway(IOptions<SandboxGatewayOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider, IMeterFactory? meterFactory = null)
    {
        Options = options.Value;
        Telemetry = new ModelProxyTelemetry(meterFactory);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SandboxGateway>();
        Prices = new PriceList(Options.Prices);
        Ledger = new SessionUsageLedger(timeProvider);
        Egress = new EgressProxy(Options, loggerFactory.CreateLogger<EgressProxy>());
        Upstream = new HttpClient(new SocketsHttpHandler
        {
            // The upstream is the grant's base URL and nothing else: no proxy from the environment, no redirects to
            // follow elsewhere, no cookies carried between sandboxes, and bodies as sent so usage can be read.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            // Each call has its own timeout (SandboxGatewayOptions.UpstreamTimeout), between pieces of a streamed answer.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public SandboxGatewayOptions Options { get; }

    public PriceList Prices { get; }

    public SessionUsageLedger Ledger { get; }

    public EgressProxy Egress { get; }

    public HttpClient Upstream { get; }

    public ModelProxyTelemetry Telemetry { get; }

    public ISandboxGatewayLease Open(SandboxGatewayRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.SessionId);
        ObjectDisposedException.ThrowIf(_stopped, this);
        var lease = new SandboxGatewayLease(this, request, Ledger.Acquire(request.SessionId, request.InitialUsage), _loggerFactory.CreateLogger<SandboxGatewayLease>());
        _leases[lease.Id] = lease;
        LogOpened(request.SessionId, request.Network.ToString());
        return lease;
    }

    public bool TryGetLease(string id, [NotNullWhen(true)] out SandboxGatewayLease? lease) =>
        _leases.TryGetValue(id, out lease) && !lease.IsClosed;

    public void Remove(SandboxGatewayLease lease) => _leases.TryRemove(lease.Id, out _);

    /// <summary>The model proxy's socket, starting its server on first use.</summary>
    public async ValueTask<string> GetModelSocketPathAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _server) is { } running)
        {
            return running.SocketPath;
        }

        await _serverLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_server is null)
            {
                var server = await ModelProxyServer.StartAsync(this, _loggerFactory, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _server, server);
                LogStarted(server.SocketPath);
            }

            return _server.SocketPath;
        }
        finally
        {
            _serverLock.Release();
        }
    }

    /// <summary>Closes every lease and stops the model proxy; the gateway opens no more leases.</summary>
    public async Task StopAsync()
    {
        ModelProxyServer? server;
        await _serverLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _stopped = true;
            server = _server;
            _server = null;
        }
        finally
        {
            _serverLock.Release();
        }

        foreach (var lease in _leases.Values)
        {
            lease.Dispose();
        }

        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Upstream.Dispose();
        Telemetry.Dispose();
    }

    public void LogRefusedConnection(string connectionId) => LogRefusedConnectionCore(connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: gateway lease opened (network {Network})")]
    private partial void LogOpened(string sessionId, string network);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model proxy listening on {SocketPath}")]
    private partial void LogStarted(string socketPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model proxy connection {ConnectionId} closed: its preamble named no open lease")]
    private partial void LogRefusedConnectionCore(string connectionId);
}
