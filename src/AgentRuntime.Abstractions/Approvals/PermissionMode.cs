using System.Text.Json.Serialization;

namespace AgentRuntime.Approvals;

/// <summary>Who decides whether the agent may run a tool.</summary>
public enum PermissionMode
{
    /// <summary>Nobody asks: every tool runs (the agent's own checks are skipped).</summary>
    [JsonStringEnumMemberName("bypass")]
    Bypass,

    /// <summary>Every tool that writes or executes waits for a person's answer; tools that only read run.</summary>
    [JsonStringEnumMemberName("ask")]
    Ask,

    /// <summary>The allow and deny rules decide; a tool call no rule matches waits for a person's answer.</summary>
    [JsonStringEnumMemberName("rules")]
    Rules,
}
