using System.Text;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>A bridge that answers every connection with one line naming the port it came in on, and counts them.</summary>
internal sealed class EchoBridge : ISandboxBridge
{
    private int _model;
    private int _egress;

    public int ModelConnections => _model;

    public int EgressConnections => _egress;

    public Task ServeModelAsync(Stream connection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _model);
        return connection.WriteAsync(Encoding.ASCII.GetBytes("model-bridge\n"), cancellationToken).AsTask();
    }

    public Task ServeEgressAsync(Stream connection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _egress);
        return connection.WriteAsync(Encoding.ASCII.GetBytes("egress-bridge\n"), cancellationToken).AsTask();
    }
}
