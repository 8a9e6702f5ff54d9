using System.Text.Json.Nodes;
using AgentRuntime.Approvals;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>The options of a <c>session/request_permission</c>, and which one answers a decision.</summary>
internal static class AcpPermissionOptions
{
    /// <summary>The options the request offers.</summary>
    public static IReadOnlyList<ApprovalOption> Of(JsonNode? request) =>
        [.. (TolerantJson.Array(request, "options") ?? []).OfType<JsonObject>().Select(o => new ApprovalOption
        {
            OptionId = TolerantJson.String(o, "optionId") ?? "",
            Name = TolerantJson.String(o, "name") ?? "",
            Kind = TolerantJson.String(o, "kind") ?? "",
        })];

    /// <summary>
    /// The option that says the decision: the one it names, if offered and of the right sense; else allowing picks
    /// <c>allow_once</c> (<c>allow_always</c> first when it is to be remembered), rejecting picks <c>reject_once</c>
    /// (else <c>reject_always</c>). <see langword="null"/> when the agent offers none: the answer is then "cancelled".
    /// </summary>
    public static ApprovalOption? Choose(IReadOnlyList<ApprovalOption> options, ToolApprovalDecision decision)
    {
        if (decision.OptionId is { } named && options.FirstOrDefault(o => o.OptionId == named) is { } chosen && IsAllow(chosen) == decision.Allow)
        {
            return chosen;
        }

        string[] preferred = decision.Allow
            ? decision.Remember ? ["allow_always", "allow_once"] : ["allow_once", "allow_always"]
            : ["reject_once", "reject_always"];
        return preferred.Select(kind => options.FirstOrDefault(o => o.Kind == kind)).FirstOrDefault(o => o is not null);
    }

    private static bool IsAllow(ApprovalOption option) => option.Kind.StartsWith("allow", StringComparison.Ordinal);
}
