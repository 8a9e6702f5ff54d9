using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>The runtime's answer to a permission request.</summary>
/// <param name="Allowed">Whether the tool call may run.</param>
/// <param name="ToolName">The tool's name as the runtime understood it.</param>
/// <param name="Outcome">The ACP <c>outcome</c> sent back: <c>{outcome: "selected", optionId}</c> or <c>{outcome: "cancelled"}</c>.</param>
/// <param name="Reason">Why, for a person.</param>
internal sealed record AcpPermissionDecision(bool Allowed, string ToolName, JsonObject Outcome, string Reason);
