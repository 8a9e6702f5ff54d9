using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentRuntime.Gateway.Transport;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Gateway.Egress;

/// <summary>
/// The egress proxy a sandbox's <c>HTTPS_PROXY</c>/<c>HTTP_PROXY</c> point at: one request head per connection
/// (<c>CONNECT</c>, or an absolute-form <c>http://</c> request), checked against the lease's network policy, then the
/// bytes spliced to the host. Small on purpose: it reads at most 16 KiB of head within a timeout and nothing else.
/// </summary>
internal sealed partial class EgressProxy(SandboxGatewayOptions options, ILogger<EgressProxy> logger)
{
    public const int MaxHeadBytes = 16 * 1024;

    // Headers that belong to the sandbox's connection to this proxy, not to the one to the host.
    private static readonly HashSet<string> ProxyHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization", "TE", "Upgrade",
    };

    public async Task ServeAsync(SandboxGatewayLease lease, Stream sandbox, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var (length, headEnd) = await ReadHeadAsync(sandbox, buffer, cancellationToken);
        if (headEnd < 0)
        {
            if (length > 0)
            {
                var reason = length == MaxHeadBytes ? $"the request head is over {MaxHeadBytes / 1024} KiB" : "the request head did not end in time";
                LogBadRequest(lease.SessionId, reason);
                await RefuseAsync(sandbox, length == MaxHeadBytes ? "400 Bad Request" : "408 Request Timeout", reason, cancellationToken);
            }

            return;
        }

        if (EgressRequestHead.TryParse(buffer.AsSpan(0, headEnd), out var error) is not { } head)
        {
            LogBadRequest(lease.SessionId, error);
            await RefuseAsync(sandbox, "400 Bad Request", error, cancellationToken);
            return;
        }

        var decision = await EgressDecision.DecideAsync(lease, head.Host, head.Port, options.EgressTimeout, cancellationToken);
        if (decision.Denial is { } denial)
        {
            LogDenied(lease.SessionId, head.Host.ToString(), head.Port, denial);
            Notify(lease, head);
            await RefuseAsync(sandbox, "403 Forbidden", denial, cancellationToken);
            return;
        }

        if (decision.Failure is { } failure)
        {
            LogFailed(lease.SessionId, head.Host.ToString(), head.Port, failure);
            await RefuseAsync(sandbox, "502 Bad Gateway", failure, cancellationToken);
            return;
        }

        var remote = await ConnectAsync(decision.Addresses, head.Port, options.EgressTimeout, cancellationToken);
        if (remote is null)
        {
            var reason = $"could not connect to {head.Host}:{head.Port}";
            LogFailed(lease.SessionId, head.Host.ToString(), head.Port, reason);
            await RefuseAsync(sandbox, "502 Bad Gateway", reason, cancellationToken);
            return;
        }

        LogAllowed(lease.SessionId, head.Method, head.Host.ToString(), head.Port);
        var stream = new NetworkStream(remote, ownsSocket: true);
        try
        {
            if (head.IsConnect)
            {
                await sandbox.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), cancellationToken);
                await sandbox.FlushAsync(cancellationToken);
            }
            else
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(OriginFormHead(head)), cancellationToken);
            }

            // Bytes the sandbox sent after the head (a TLS hello, a request body) go on first.
            await stream.WriteAsync(buffer.AsMemory(headEnd, length - headEnd), cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }

        await Splice.RunAsync(sandbox, stream, cancellationToken);
    }

    /// <summary>The request as the host gets it: origin-form, its own Host header, and closed after one answer.</summary>
    internal static string OriginFormHead(EgressRequestHead head)
    {
        var connectionScoped = head.Headers
            .Where(h => h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var text = new StringBuilder();
        text.Append(head.Method).Append(' ').Append(head.PathAndQuery).Append(' ').Append(head.Version).Append("\r\n");
        text.Append("Host: ").Append(head.Host.ToString()).Append(head.Port == 80 ? "" : $":{head.Port}").Append("\r\n");
        foreach (var (name, value) in head.Headers)
        {
            if (!ProxyHeaders.Contains(name) && !connectionScoped.Contains(name))
            {
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        // One request per connection: a second one on it would not pass through this check.
        return text.Append("Connection: close\r\n\r\n").ToString();
    }

    private async Task<(int Length, int HeadEnd)> ReadHeadAsync(Stream sandbox, byte[] buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.EgressTimeout);
        var length = 0;
        try
        {
            while (length < buffer.Length)
            {
                var read = await sandbox.ReadAsync(buffer.AsMemory(length), timeout.Token);
                if (read == 0)
                {
                    return (0, -1);
                }

                var from = Math.Max(0, length - 3);
                length += read;
                var end = buffer.AsSpan(from, length - from).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    return (length, from + end + 4);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out; a sandbox that sent nothing at all just loses its connection.
        }

        return (length, -1);
    }

    private static async Task<Socket?> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(timeout);

        // Only the addresses that were checked: no second lookup between the check and the connection.
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), connecting.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        return null;
    }

    /// <summary>Answers with a short plain-text status and closes, letting the sandbox read the answer before the close.</summary>
    private static async Task RefuseAsync(Stream sandbox, string status, string reason, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(reason + "\n");
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        try
        {
            await sandbox.WriteAsync(head, cancellationToken);
            await sandbox.WriteAsync(body, cancellationToken);
            await sandbox.FlushAsync(cancellationToken);
            if (sandbox is NetworkStream network)
            {
                // Closing a socket with unread input resets it, and the reset can overtake the answer; so end the
                // sending side and drain what the sandbox still sends, briefly.
                network.Socket.Shutdown(SocketShutdown.Send);
                using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                drain.CancelAfter(TimeSpan.FromSeconds(1));
                var scratch = new byte[4096];
                for (var total = 0; total < 64 * 1024;)
                {
                    var read = await network.ReadAsync(scratch, drain.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The sandbox is gone or kept sending; the connection closes either way.
        }
    }

    private void Notify(SandboxGatewayLease lease, EgressRequestHead head)
    {
        try
        {
            lease.Observer?.OnEgressDenied(head.Host.Name, head.Port);
        }
        catch (Exception e)
        {
            LogObserverFailed(lease.SessionId, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: egress {Method} {Host}:{Port} allowed")]
    private partial void LogAllowed(string sessionId, string method, string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: egress to {Host}:{Port} denied: {Reason}")]
    private partial void LogDenied(string sessionId, string host, int port, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: egress to {Host}:{Port} failed: {Reason}")]
    private partial void LogFailed(string sessionId, string host, int port, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: egress request refused: {Reason}")]
    private partial void LogBadRequest(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the gateway observer failed")]
    private partial void LogObserverFailed(string sessionId, Exception exception);
}
