namespace AgentRuntime.Sandboxes;

/// <summary>Creates sandboxes: isolated places where an agent's processes run next to a session's workspace.</summary>
public interface ISandboxProvider
{
    /// <summary>The provider's name, as configuration selects it (such as <c>local</c>).</summary>
    string Name { get; }

    /// <summary>Creates and starts a sandbox for a session.</summary>
    /// <exception cref="SandboxException">The sandbox could not be created; the message says why.</exception>
    Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken);
}

/// <summary>What a sandbox is created for.</summary>
public sealed record SandboxRequest
{
    /// <summary>The session the sandbox serves.</summary>
    public required string SessionId { get; init; }

    /// <summary>Whether processes may use the network (the agent must reach its model API unless it is local).</summary>
    public SandboxNetwork Network { get; init; } = SandboxNetwork.Host;
}

/// <summary>The network a sandbox's processes get.</summary>
public enum SandboxNetwork
{
    /// <summary>The host's network.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("host")]
    Host,

    /// <summary>No network but the sandbox's own loopback.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("none")]
    None,
}

/// <summary>A sandbox could not be created or used.</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
