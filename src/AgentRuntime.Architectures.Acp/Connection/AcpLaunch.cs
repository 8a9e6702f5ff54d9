using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Acp.Connection;

/// <summary>How to start one ACP agent for one session (see <see cref="AcpLauncher"/>).</summary>
internal sealed record AcpLaunch
{
    /// <summary>The agent as messages name it, such as <c>The Gemini CLI</c>.</summary>
    public required string AgentName { get; init; }

    /// <summary>The sandbox to run in.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The agent's process.</summary>
    public required SandboxProcessSpec Process { get; init; }

    /// <summary>The runtime's session id, for logs.</summary>
    public required string SessionId { get; init; }

    /// <summary>The conversation's totals so far.</summary>
    public required SessionMetadata Totals { get; init; }

    /// <summary>How long one turn may run.</summary>
    public required TimeSpan TurnTimeout { get; init; }

    /// <summary>The agent's id of a session to resume with <c>session/load</c>; a new session when absent.</summary>
    public string? ResumeSessionId { get; init; }

    /// <summary>An <c>authenticate</c> method to call after <c>initialize</c>, when the agent needs one.</summary>
    public string? AuthMethod { get; init; }

    /// <summary>The <c>_meta</c> of that <c>authenticate</c> call.</summary>
    public JsonObject? AuthMeta { get; init; }

    /// <summary>Whether to serve <c>fs/read_text_file</c> and <c>fs/write_text_file</c> from the workspace (and advertise them).</summary>
    public bool ServeFileSystem { get; init; }

    /// <summary>The profile's allowed tools; every tool when absent.</summary>
    public IReadOnlyList<string>? AllowedTools { get; init; }

    /// <summary>
    /// Who answers the agent's permission requests: with <see cref="Approvals.PermissionMode.Bypass"/> a fixed policy
    /// from <see cref="AllowedTools"/>; otherwise each turn's approvals.
    /// </summary>
    public Approvals.PermissionMode PermissionMode { get; init; }

    /// <summary>The agent's way of naming the tool behind a call.</summary>
    public Func<JsonObject, string?>? ToolName { get; init; }

    /// <summary>Put between whole thoughts of one thinking block (see <see cref="AcpMapperOptions.ThoughtSeparator"/>).</summary>
    public string? ThoughtSeparator { get; init; }

    /// <summary>The model to use, when one is set.</summary>
    public string? Model { get; init; }

    /// <summary>Whether to ask for <see cref="Model"/> with <c>session/set_model</c> (agents told on their command line need not).</summary>
    public bool SetModel { get; init; }

    /// <summary>Where finished tool calls' real input and output are found, given the agent's session id.</summary>
    public Func<string, IAcpToolDetailsSource>? ToolDetails { get; init; }

    /// <summary>
    /// The profile's MCP servers, offered in <c>session/new</c> and <c>session/load</c>; those whose transport the agent's
    /// <c>mcpCapabilities</c> do not include are left out and named in a <c>profile_not_applied</c> notice.
    /// </summary>
    public IReadOnlyList<Materialization.AcpMcpServer> McpServers { get; init; } = [];

    /// <summary>The profile's slash commands, expanded by the runtime in the messages sent (see <see cref="Materialization.ProfileSlashCommands"/>).</summary>
    public IReadOnlyList<Profiles.ProfileCommand>? Commands { get; init; }

    /// <summary>What the runtime could not apply of the profile, shown as <c>profile_not_applied</c> notices at the start of the first turn.</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>Called with the agent's id of a new session (to remember it for resuming).</summary>
    public Func<string, CancellationToken, Task>? OnSessionStarted { get; init; }
}
