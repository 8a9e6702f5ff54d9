using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Acp.Mapping;

/// <summary>What one turn used, read from the <c>session/prompt</c> result.</summary>
/// <param name="Usage">Tokens of the turn.</param>
/// <param name="Model">The model that answered, when reported.</param>
internal sealed record AcpTurnUsage(TokenUsage Usage, string? Model)
{
    /// <summary>
    /// Reads ACP's <c>usage</c> (<c>inputTokens</c>, <c>outputTokens</c>, <c>cachedReadTokens</c>,
    /// <c>cachedWriteTokens</c>), else the Gemini CLI's <c>_meta.quota</c> (<c>token_count</c> and
    /// <c>model_usage[].model</c>, verified with 0.61.0), else nothing.
    /// </summary>
    public static AcpTurnUsage FromPromptResult(JsonObject? result)
    {
        if (TolerantJson.Object(result, "usage") is { } usage)
        {
            return new AcpTurnUsage(
                new TokenUsage
                {
                    InputTokens = TolerantJson.Long(usage, "inputTokens") ?? 0,
                    OutputTokens = TolerantJson.Long(usage, "outputTokens") ?? 0,
                    CacheReadInputTokens = TolerantJson.Long(usage, "cachedReadTokens") ?? 0,
                    CacheCreationInputTokens = TolerantJson.Long(usage, "cachedWriteTokens") ?? 0,
                },
                null);
        }

        var quota = TolerantJson.Object(TolerantJson.Object(result, "_meta"), "quota");
        if (quota is null)
        {
            return new AcpTurnUsage(new TokenUsage(), null);
        }

        var tokens = TolerantJson.Object(quota, "token_count");
        var model = TolerantJson.Array(quota, "model_usage")?.OfType<JsonObject>()
            .Select(m => TolerantJson.String(m, "model"))
            .LastOrDefault(m => m is not null);
        return new AcpTurnUsage(
            new TokenUsage { InputTokens = TolerantJson.Long(tokens, "input_tokens") ?? 0, OutputTokens = TolerantJson.Long(tokens, "output_tokens") ?? 0 },
            model);
    }
}
