namespace AgentRuntime.Profiles;

/// <summary>How an agent is set up: its instructions, model and tools. Sessions refer to one by id.</summary>
public sealed record AgentProfile
{
    /// <summary>The profile's id, such as <c>default</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public required string Name { get; init; }

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

    /// <summary>The network the session's sandbox gets: <c>host</c> (the default) or <c>none</c>.</summary>
    public Sandboxes.SandboxNetwork Network { get; init; } = Sandboxes.SandboxNetwork.Host;
}

/// <summary>A profile as <c>GET /api/profiles</c> lists it.</summary>
public sealed record AgentProfileSummary(string Id, string Name, string Description);
