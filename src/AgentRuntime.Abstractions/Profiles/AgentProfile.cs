using System.Text.Json.Serialization;

namespace AgentRuntime.Profiles;

/// <summary>How an agent is set up: its instructions, model and tools. Sessions refer to one by id.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
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

    /// <summary>
    /// Where the session's sandbox runs: <c>{"provider": "modal"}</c> picks a provider the server has; the server's
    /// default (<c>AgentRuntime:SandboxProvider</c>, else <c>local</c>) when absent.
    /// </summary>
    public ProfileSandbox? Sandbox { get; init; }

    /// <summary>What is stored of each session's workspace; <see cref="Profiles.WorkspaceLimits.Default"/> where absent.</summary>
    public WorkspaceLimits? WorkspaceLimits { get; init; }

    /// <summary>A limit on model tokens or cost for each session of this profile; a session may set its own.</summary>
    public Gateway.ModelBudget? Budget { get; init; }

    /// <summary>
    /// Who decides whether the agent may run a tool: the mode and its allow and deny rules. Absent: every tool runs
    /// (<see cref="Approvals.PermissionMode.Bypass"/>); a session may choose another mode for itself.
    /// </summary>
    public Approvals.PermissionPolicy? Permissions { get; init; }

    /// <summary>
    /// The agent's instructions file, written where the agent reads it: <c>CLAUDE.md</c>, <c>GEMINI.md</c>, or
    /// <c>AGENTS.md</c> for other ACP agents.
    /// </summary>
    [JsonPropertyName("agentMDFile")]
    public string? AgentMdFile { get; init; }

    /// <summary>The built-in tools the agent has at all; all of them when absent (<see cref="AllowedTools"/> says which run without asking).</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>Skills the agent loads when a task calls for them.</summary>
    public IReadOnlyList<ProfileSkill>? Skills { get; init; }

    /// <summary>Subagents the agent may hand work to.</summary>
    public IReadOnlyList<ProfileSubagent>? Subagents { get; init; }

    /// <summary>Slash commands.</summary>
    public IReadOnlyList<ProfileCommand>? Commands { get; init; }

    /// <summary>MCP server projects that ship with the profile and run inside the sandbox.</summary>
    [JsonPropertyName("bundledMCPs")]
    public IReadOnlyList<ProfileBundledMcp>? BundledMcps { get; init; }

    /// <summary>Other MCP servers: commands run in the sandbox, or URLs its network allows.</summary>
    [JsonPropertyName("externalMCPs")]
    public IReadOnlyList<ProfileExternalMcp>? ExternalMcps { get; init; }

    /// <summary>npm packages installed for every session (<c>name</c> or <c>name@version</c>).</summary>
    public IReadOnlyList<string>? NpmDependencies { get; init; }

    /// <summary>pip packages installed for every session (<c>name</c> or <c>name==version</c>).</summary>
    public IReadOnlyList<string>? PipDependencies { get; init; }

    /// <summary>Environment variables of the agent and its tools: plain values or references to the runtime's secrets.</summary>
    public IReadOnlyDictionary<string, ProfileEnvironmentValue>? EnvironmentVariables { get; init; }
}

/// <summary>Where a profile's sessions run their sandboxes.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileSandbox
{
    /// <summary>The sandbox provider's name, such as <c>local</c> or <c>modal</c>.</summary>
    public required string Provider { get; init; }
}

/// <summary>A profile as <c>GET /api/profiles</c> lists it.</summary>
public sealed record AgentProfileSummary(string Id, string Name, string Description);
