using AgentRuntime.Sessions;

namespace AgentRuntime.Gateway.Usage;

/// <summary>Prices a call's tokens by the longest configured prefix of its model's name.</summary>
internal sealed class PriceList
{
    private readonly KeyValuePair<string, ModelPrice>[] _prices;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _unpriced = new(StringComparer.OrdinalIgnoreCase);

    public PriceList(IReadOnlyDictionary<string, ModelPrice> prices)
    {
        // Longest first, so the first match is the most specific (claude-opus-4-5 before claude-opus-4).
        _prices = [.. prices.OrderByDescending(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal)];
    }

    public ModelPrice? Find(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        // Gemini names its models "models/gemini-…" in some places and not in others.
        var name = model.StartsWith("models/", StringComparison.OrdinalIgnoreCase) ? model["models/".Length..] : model;
        foreach (var (prefix, price) in _prices)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return price;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="model"/> has no price and has not been reported so before (to warn once per model).</summary>
    public bool IsNewlyUnpriced(string model) => Find(model) is null && _unpriced.TryAdd(model, 0);

    public decimal Cost(string? model, TokenUsage tokens)
    {
        if (Find(model) is not { } price)
        {
            return 0m;
        }

        return (tokens.InputTokens * price.Input
            + tokens.OutputTokens * price.Output
            + tokens.CacheCreationInputTokens * price.CacheWrite
            + tokens.CacheReadInputTokens * price.CacheRead) / 1_000_000m;
    }
}
