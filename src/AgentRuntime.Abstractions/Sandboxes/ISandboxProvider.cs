namespace AgentRuntime.Sandboxes;

/// <summary>Creates sandboxes: isolated places where an agent's processes run next to a session's workspace.</summary>
public interface ISandboxProvider
{
    /// <summary>The provider's name, as configuration selects it (such as <c>local</c>).</summary>
    string Name { get; }

    /// <summary>Creates and starts a sandbox for a session.</summary>
    /// <exception cref="SandboxException">The sandbox could not be created; the message says why.</exception>
    Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken);

    /// <summary>What this provider enforces on this machine (isolation, network, memory, disk), for operators.</summary>
    SandboxEnforcement Enforcement { get; }
}

/// <summary>What a sandbox is created for.</summary>
public sealed record SandboxRequest
{
    /// <summary>The session the sandbox serves.</summary>
    public required string SessionId { get; init; }

    /// <summary>What the sandbox's processes may reach on the network.</summary>
    public SandboxNetworkPolicy Network { get; init; } = SandboxNetworkPolicy.ModelOnly;

    /// <summary>
    /// The runtime's end of the sandbox's network (its gateway lease). Required for <c>model-only</c> and allowlist
    /// networks; with <c>host</c> it still carries the model proxy, so keys stay out of the sandbox.
    /// </summary>
    public ISandboxBridge? Bridge { get; init; }

    /// <summary>
    /// Installed software the sandbox's processes see, such as the profile's dependencies; none when absent. Providers that
    /// cannot mount one refuse the request with a <see cref="SandboxException"/>.
    /// </summary>
    public SandboxLayer? Layer { get; init; }
}

/// <summary>A sandbox could not be created or used.</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
