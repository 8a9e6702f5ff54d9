using AgentRuntime.Gateway.Usage;

namespace AgentRuntime.Gateway.Tests.Usage;

public sealed class PriceListTests
{
    [Theory]
    [InlineData("claude-opus-4-5-20251101", 5)]
    [InlineData("claude-opus-4-1-20250805", 15)]
    [InlineData("CLAUDE-SONNET-4-5", 3)]
    [InlineData("gemini-2.5-flash-lite", 0.10)]
    [InlineData("gemini-2.5-flash", 0.30)]
    [InlineData("models/gemini-2.5-pro", 1.25)]
    [InlineData("claude-opus-5-5", 5)]
    [InlineData("claude-sonnet-9", 3)]
    public void Find_ModelName_TakesTheLongestPrefix(string model, double input)
    {
        var prices = new PriceList(SandboxGatewayOptions.DefaultPrices());

        Assert.Equal((decimal)input, prices.Find(model)?.Input);
    }

    [Fact]
    public void Cost_ModelWithoutAPrice_IsZero()
    {
        var prices = new PriceList(SandboxGatewayOptions.DefaultPrices());

        Assert.Equal(0m, prices.Cost("local-llama", new TokenUsage { InputTokens = 1_000_000 }));
        Assert.Equal(0m, prices.Cost(null, new TokenUsage { InputTokens = 1_000_000 }));
        Assert.True(prices.IsNewlyUnpriced("local-llama"));
        Assert.False(prices.IsNewlyUnpriced("LOCAL-llama"));
        Assert.False(prices.IsNewlyUnpriced("gemini-2.5-pro"));
    }

    [Fact]
    public void Cost_EachKindOfToken_AtItsOwnPrice()
    {
        var prices = new PriceList(new Dictionary<string, ModelPrice> { ["m"] = new() { Input = 1, Output = 2, CacheWrite = 3, CacheRead = 4 } });

        var cost = prices.Cost("m-1", new TokenUsage { InputTokens = 1_000_000, OutputTokens = 2_000_000, CacheCreationInputTokens = 3_000_000, CacheReadInputTokens = 500_000 });

        Assert.Equal(1m + 4m + 9m + 2m, cost);
    }
}
