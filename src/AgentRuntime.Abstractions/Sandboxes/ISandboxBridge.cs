namespace AgentRuntime.Sandboxes;

/// <summary>
/// The runtime's end of a sandbox's network. A provider that isolates the network gives the sandbox two loopback
/// ports (<see cref="ISandbox.ModelProxyUrl"/>, <see cref="ISandbox.EgressProxyUrl"/>) and hands each connection a
/// sandbox process opens to them here, as a stream; nothing else of the sandbox leaves it.
/// </summary>
public interface ISandboxBridge
{
    /// <summary>
    /// Serves one connection to the model port (HTTP to the runtime's model proxy) until it closes, then disposes it.
    /// Completes normally when either side closes or the bridge is closed; call it once per accepted connection.
    /// </summary>
    Task ServeModelAsync(Stream connection, CancellationToken cancellationToken);

    /// <summary>
    /// Serves one connection to the egress port (an HTTP proxy: CONNECT or absolute-form requests) until it closes,
    /// then disposes it. Completes normally when either side closes or the bridge is closed.
    /// </summary>
    Task ServeEgressAsync(Stream connection, CancellationToken cancellationToken);
}
