using System.Text.Json.Nodes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>What one turn used, read from its <c>result</c> message.</summary>
/// <param name="Usage">Tokens of the turn, subagents included.</param>
/// <param name="CostUsd">Cost of the turn.</param>
/// <param name="Model">The model that did most of the turn, when the result names one.</param>
internal sealed record TurnUsage(TokenUsage Usage, decimal CostUsd, string? Model)
{
    /// <summary>
    /// Reads <c>model_usage_since_last_result</c>, which counts the turn alone and its subagents too. (The result's
    /// <c>total_cost_usd</c> and <c>modelUsage</c> add up the whole process, and after <c>--resume</c> the earlier
    /// processes as well; <c>usage</c> leaves subagents out.) Older CLIs without it: <c>usage</c> and
    /// <c>total_cost_usd</c>.
    /// </summary>
    public static TurnUsage FromResult(JsonObject result)
    {
        if (TolerantJson.Object(result, "model_usage_since_last_result") is { Count: > 0 } perModel)
        {
            var usage = new TokenUsage();
            var cost = 0m;
            foreach (var (_, model) in perModel)
            {
                usage += new TokenUsage
                {
                    InputTokens = TolerantJson.Long(model, "inputTokens") ?? 0,
                    OutputTokens = TolerantJson.Long(model, "outputTokens") ?? 0,
                    CacheCreationInputTokens = TolerantJson.Long(model, "cacheCreationInputTokens") ?? 0,
                    CacheReadInputTokens = TolerantJson.Long(model, "cacheReadInputTokens") ?? 0,
                };
                cost += TolerantJson.Decimal(model, "costUSD") ?? 0;
            }

            var top = perModel.MaxBy(m => TolerantJson.Decimal(m.Value, "costUSD") ?? 0).Key;
            return new TurnUsage(usage, cost, top);
        }

        var totals = TolerantJson.Object(result, "usage");
        return new TurnUsage(
            new TokenUsage
            {
                InputTokens = TolerantJson.Long(totals, "input_tokens") ?? 0,
                OutputTokens = TolerantJson.Long(totals, "output_tokens") ?? 0,
                CacheCreationInputTokens = TolerantJson.Long(totals, "cache_creation_input_tokens") ?? 0,
                CacheReadInputTokens = TolerantJson.Long(totals, "cache_read_input_tokens") ?? 0,
            },
            TolerantJson.Decimal(result, "total_cost_usd") ?? 0,
            null);
    }
}
