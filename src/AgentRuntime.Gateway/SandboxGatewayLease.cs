using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Security.Cryptography;
using AgentRuntime.Gateway.Egress;
using AgentRuntime.Gateway.Model;
using AgentRuntime.Gateway.Transport;
using AgentRuntime.Gateway.Usage;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Gateway;

/// <summary>One sandbox's grants, budget and open connections; its session's usage account.</summary>
internal sealed partial class SandboxGatewayLease : ISandboxGatewayLease
{
    /// <summary>Tokens start with this, so one found in a log or a file is recognisable as ours and worthless elsewhere.</summary>
    public const string TokenPrefix = "art-";

    private readonly SandboxGateway _gateway;
    private readonly SessionUsageLedger.Account _account;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ModelUpstream> _grants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private readonly CancellationTokenSource _closed = new();
    private volatile ModelBudget? _budget;
    private int _disposed;
    private int _callsInFlight;

    public SandboxGatewayLease(SandboxGateway gateway, SandboxGatewayRequest request, SessionUsageLedger.Account account, ILogger logger)
    {
        _gateway = gateway;
        _account = account;
        _logger = logger;
        _budget = request.Budget;
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        SessionId = request.SessionId;
        Network = request.Network;
        Allowlist = HostAllowlist.Parse(request.Network.AllowedHosts);
        Observer = request.Observer;
    }

    /// <summary>Names the lease in the model proxy's connection preamble; random, and never shown to the sandbox.</summary>
    public string Id { get; }

    public string SessionId { get; }

    public SandboxNetworkPolicy Network { get; }

    public HostAllowlist Allowlist { get; }

    public ISandboxGatewayObserver? Observer { get; }

    public ModelBudget? Budget => _budget;

    public ModelUsage Usage => _account.Usage;

    /// <summary>Fires when the lease is disposed.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool IsClosed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The grants' kinds, to answer a request with an unknown token in the format its client expects.</summary>
    public IEnumerable<ModelApiKind> GrantedKinds => _grants.Values.Select(g => g.Kind).Distinct();

    public string GrantToken(ModelUpstream upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (!upstream.BaseUrl.IsAbsoluteUri || (upstream.BaseUrl.Scheme != Uri.UriSchemeHttp && upstream.BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The upstream's base URL must be an absolute http or https URL; '{upstream.BaseUrl}' is not.", nameof(upstream));
        }

        var token = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _grants[token] = upstream;
        LogGranted(SessionId, upstream.Kind, upstream.BaseUrl, Redact(token));
        return token;
    }

    public bool TryGetGrant(string token, [NotNullWhen(true)] out ModelUpstream? upstream) =>
        _grants.TryGetValue(token, out upstream) && !IsClosed;

    public void SetBudget(ModelBudget? budget) => _budget = budget;

    /// <summary>Model calls forwarded and not yet counted.</summary>
    public int CallsInFlight => Volatile.Read(ref _callsInFlight);

    public void CallStarted() => Interlocked.Increment(ref _callsInFlight);

    /// <summary>Adds a finished call's usage (zero when the answer said none) to the session's total.</summary>
    public void CallEnded(TokenUsage tokens, decimal cost)
    {
        _account.Add(tokens, cost);
        Interlocked.Decrement(ref _callsInFlight);
    }

    public async Task ServeModelAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var serving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            var path = await _gateway.GetModelSocketPathAsync(serving.Token).ConfigureAwait(false);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            NetworkStream proxy;
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), serving.Token).ConfigureAwait(false);
                proxy = new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            try
            {
                await proxy.WriteAsync(LeasePreamble.Create(Id), serving.Token).ConfigureAwait(false);
            }
            catch
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await Splice.RunAsync(connection, proxy, serving.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException
            || (e is OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested))
        {
            // The sandbox's side went away, or the lease or the gateway closed: so does the connection.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task ServeEgressAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var serving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            await _gateway.Egress.ServeAsync(this, connection, serving.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException
            || (e is OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested))
        {
            // As for the model port.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Keeps a model proxy connection of this lease, to abort it when the lease closes.</summary>
    public IDisposable Track(ConnectionContext connection)
    {
        _connections.TryAdd(connection, 0);
        if (IsClosed)
        {
            connection.Abort(new ConnectionAbortedException("The sandbox's gateway lease is closed."));
        }

        return new Untrack(this, connection);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _grants.Clear();
        _gateway.Remove(this);
        _closed.Cancel();
        foreach (var connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The sandbox's gateway lease is closed."));
        }

        _gateway.Ledger.Release(_account);
        LogClosed(SessionId);

        // _closed is not disposed: connections still being served link to its token, which stays cancelled.
    }

    /// <summary>What may be logged of a token or key: its first six characters.</summary>
    public static string Redact(string secret) => secret.Length <= 6 ? "…" : secret[..6] + "…";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: granted token {Token} for {Kind} at {BaseUrl}")]
    private partial void LogGranted(string sessionId, ModelApiKind kind, Uri baseUrl, string token);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: gateway lease closed; its tokens are revoked")]
    private partial void LogClosed(string sessionId);

    private sealed class Untrack(SandboxGatewayLease lease, ConnectionContext connection) : IDisposable
    {
        public void Dispose() => lease._connections.TryRemove(connection, out _);
    }
}
