namespace AgentRuntime.Profiles;

/// <summary>How an agent is set up: its instructions, model and tools. Sessions refer to one by id.</summary>
public sealed record AgentProfile
{
    private readonly Sandboxes.SandboxNetworkPolicy? _network;

    /// <summary>The profile's id, such as <c>default</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public required string Name { get; init; }

    /// <summary>The tenant whose sessions may use the profile; every tenant's when absent (a global profile).</summary>
    public string? TenantId { get; init; }

    /// <summary>What the agent is for.</summary>
    public string Description { get; init; } = "";

    /// <summary>Text appended to the agent's system prompt.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The model to use; the architecture's configured model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Tools the agent may use without asking; all of the agent's tools when absent.</summary>
    public IReadOnlyList<string>? AllowedTools { get; init; }

    /// <summary>Files written into every new session's workspace before its first turn: path → text content.</summary>
    public IReadOnlyDictionary<string, string>? Files { get; init; }

    /// <summary>
    /// What the session's sandbox may reach: <c>"model-only"</c> (the default: the model through the runtime's proxy),
    /// <c>"none"</c>, <c>{"allow": [hosts]}</c> (the model and those hosts through the egress proxy) or <c>"host"</c>
    /// (the host's whole network; the agent is trusted).
    /// </summary>
    public Sandboxes.SandboxNetworkPolicy Network
    {
        // The JSON source generator sets an init-only property it did not find to null rather than leave its initializer.
        get => _network ?? Sandboxes.SandboxNetworkPolicy.ModelOnly;
        init => _network = value;
    }

    /// <summary>What is stored of each session's workspace; <see cref="Profiles.WorkspaceLimits.Default"/> where absent.</summary>
    public WorkspaceLimits? WorkspaceLimits { get; init; }

    /// <summary>A limit on model tokens or cost for each session of this profile; a session may set its own.</summary>
    public Gateway.ModelBudget? Budget { get; init; }

    /// <summary>
    /// Who decides whether the agent may run a tool: the mode and its allow and deny rules. Absent: every tool runs
    /// (<see cref="Approvals.PermissionMode.Bypass"/>); a session may choose another mode for itself.
    /// </summary>
    public Approvals.PermissionPolicy? Permissions { get; init; }
}

/// <summary>A profile as <c>GET /api/profiles</c> lists it.</summary>
public sealed record AgentProfileSummary(string Id, string Name, string Description);
