using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>
/// Answers <c>session/request_permission</c> for an unattended agent, from the profile: with no allowed-tools list
/// every call is allowed; with one, a call is allowed when its tool name, kind or title is on the list (compared
/// ignoring case) and rejected otherwise. Allowing picks the agent's <c>allow_once</c> option (else <c>allow_always</c>),
/// rejecting its <c>reject_once</c> option (else <c>reject_always</c>, else the <c>cancelled</c> outcome), so every
/// decision is made one call at a time.
/// </summary>
internal sealed class AcpPermissionPolicy(IReadOnlyList<string>? allowedTools, Func<JsonObject, string?>? toolName = null)
{
    public AcpPermissionDecision Decide(JsonNode? request)
    {
        var toolCall = TolerantJson.Object(request, "toolCall") ?? [];
        var name = AcpToolNames.Of(toolCall, toolName);
        var candidates = new[] { name, TolerantJson.String(toolCall, "kind"), TolerantJson.String(toolCall, "title") };
        var allowed = allowedTools is null
            || allowedTools.Any(tool => candidates.Any(c => string.Equals(c, tool, StringComparison.OrdinalIgnoreCase)));
        var option = AcpPermissionOptions.Choose(AcpPermissionOptions.Of(request), new Approvals.ToolApprovalDecision { Allow = allowed });
        var outcome = option is not null
            ? new JsonObject { ["outcome"] = "selected", ["optionId"] = option.OptionId }
            : new JsonObject { ["outcome"] = "cancelled" };
        var reason = !allowed
            ? $"The profile's allowed tools ({string.Join(", ", allowedTools!)}) do not include '{name}'."
            : option is null ? $"The agent offered no option that allows '{name}'."
            : allowedTools is null ? "The profile allows every tool." : $"The profile allows '{name}'.";
        return new AcpPermissionDecision(allowed && option is not null, name, outcome, reason);
    }
}
