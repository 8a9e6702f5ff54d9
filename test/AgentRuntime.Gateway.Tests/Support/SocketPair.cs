using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Gateway.Tests.Support;

/// <summary>Two connected loopback TCP sockets: one end for the sandbox's process, one for the provider to hand the gateway.</summary>
internal static class SocketPair
{
    public static async Task<(NetworkStream Sandbox, NetworkStream Runtime)> CreateAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync(cancellationToken).AsTask();
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var server = await accept;
        server.NoDelay = true;
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }
}
