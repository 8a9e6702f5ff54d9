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

    /// <summary>
    /// Re-attaches to a sandbox this provider created earlier (<see cref="ISandbox.Id"/>, kept in the session's record),
    /// such as after a restart of the server, if it still runs; <see langword="null"/> when it is gone or the provider's
    /// sandboxes do not outlive the server (the default). The session then creates a new one and restores it.
    /// </summary>
    /// <exception cref="SandboxException">The provider could not tell (unreachable, refused).</exception>
    Task<ISandbox?> AttachAsync(string sandboxId, SandboxRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<ISandbox?>(null);
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

    /// <summary>The tenant the session belongs to, for a provider that labels its sandboxes.</summary>
    public string? TenantId { get; init; }

    /// <summary>Reports progress while the sandbox is being made (such as an image build's log lines), for the session.</summary>
    public IProgress<string>? Progress { get; init; }
}

/// <summary>A sandbox could not be created or used.</summary>
/// <param name="message">What went wrong, for the session's user.</param>
/// <param name="inner">The cause.</param>
/// <param name="code">A stable code for programs (such as <c>sandbox_auth</c>); <c>sandbox_error</c> when absent.</param>
public sealed class SandboxException(string message, Exception? inner = null, string? code = null) : Exception(message, inner)
{
    /// <summary>A stable code for programs: <c>sandbox_error</c>, or the provider's more precise one.</summary>
    public string Code { get; } = code ?? "sandbox_error";
}
