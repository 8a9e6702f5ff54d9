using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>
/// The name of the tool behind an ACP tool call. ACP itself has none (a call has a title, such as the command it runs,
/// and a kind, such as <c>execute</c>), so an architecture that knows its agent's convention supplies one; otherwise a
/// <c>toolName</c> in the call's <c>_meta</c> (where adapters put the wrapped agent's name), else the kind.
/// </summary>
internal static class AcpToolNames
{
    public static string Of(JsonObject toolCall, Func<JsonObject, string?>? agentConvention)
    {
        if (agentConvention?.Invoke(toolCall) is { Length: > 0 } named)
        {
            return named;
        }

        if (TolerantJson.Object(toolCall, "_meta") is { } meta)
        {
            foreach (var (_, value) in meta)
            {
                if (TolerantJson.String(value, "toolName") is { Length: > 0 } metaName)
                {
                    return metaName;
                }
            }

            if (TolerantJson.String(meta, "toolName") is { Length: > 0 } direct)
            {
                return direct;
            }
        }

        return TolerantJson.String(toolCall, "kind") ?? "tool";
    }
}
