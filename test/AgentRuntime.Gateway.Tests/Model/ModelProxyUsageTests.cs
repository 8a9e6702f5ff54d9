using System.Net;
using System.Text.Json.Nodes;
using AgentRuntime.Gateway.Tests.Support;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Model;

public sealed class ModelProxyUsageTests
{
    [Fact]
    public async Task Usage_AnthropicStream_CountsItsTokensAndPricesItsModel()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        await CallAsync(client, ModelProxyHarness.AnthropicRequest(token, stream: true), lease);

        Assert.Equal(new TokenUsage { InputTokens = 100, OutputTokens = 42, CacheCreationInputTokens = 20, CacheReadInputTokens = 300 }, lease.Usage.Tokens);
        Assert.Equal((100 * 3m + 42 * 15m + 20 * 3.75m + 300 * 0.30m) / 1_000_000m, lease.Usage.CostUsd);
    }

    [Fact]
    public async Task Usage_AnthropicJson_CountsItsTokensAndPricesItsModel()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        await CallAsync(client, ModelProxyHarness.AnthropicRequest(token, stream: false), lease);

        Assert.Equal(new TokenUsage { InputTokens = 10, OutputTokens = 5 }, lease.Usage.Tokens);
        Assert.Equal((10 * 1m + 5 * 5m) / 1_000_000m, lease.Usage.CostUsd);
    }

    [Fact]
    public async Task Usage_GeminiStream_CountsCachedAsCacheReadAndThoughtsAsOutput()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Gemini());
        using var client = sandbox.ModelClient();

        await CallAsync(client, ModelProxyHarness.GeminiRequest(token, stream: true), lease);

        Assert.Equal(new TokenUsage { InputTokens = 600, OutputTokens = 100, CacheReadInputTokens = 400 }, lease.Usage.Tokens);
        Assert.Equal((600 * 1.25m + 100 * 10m + 400 * 0.125m) / 1_000_000m, lease.Usage.CostUsd);
    }

    [Fact]
    public async Task Usage_GeminiJson_CountsItsTokensAndPricesItsModel()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Gemini());
        using var client = sandbox.ModelClient();

        await CallAsync(client, ModelProxyHarness.GeminiRequest(token, stream: false, keyInQuery: true), lease);

        Assert.Equal(new TokenUsage { InputTokens = 50, OutputTokens = 7 }, lease.Usage.Tokens);
        Assert.Equal((50 * 0.30m + 7 * 2.50m) / 1_000_000m, lease.Usage.CostUsd);
    }

    [Fact]
    public async Task Usage_LeasesOfOneSession_ShareOneTotalStartedFromTheStoredUsage()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var stored = new ModelUsage { Tokens = new TokenUsage { InputTokens = 1000, OutputTokens = 10 }, CostUsd = 0.5m };
        var (first, firstSandbox) = harness.Open(Request("s", initial: stored));
        using (var client = firstSandbox.ModelClient())
        {
            await CallAsync(client, ModelProxyHarness.AnthropicRequest(first.GrantToken(harness.Anthropic()), stream: false), first);
        }

        first.Dispose();

        // The stored usage the next lease brings lags behind what the proxy counted: the larger of each count stays.
        var (second, secondSandbox) = harness.Open(Request("s", initial: stored with { Tokens = stored.Tokens with { OutputTokens = 12 } }));
        var (other, _) = harness.Open(Request("other"));
        using (var client = secondSandbox.ModelClient())
        {
            await CallAsync(client, ModelProxyHarness.AnthropicRequest(second.GrantToken(harness.Anthropic()), stream: false), second);
        }

        Assert.Equal(new TokenUsage { InputTokens = 1020, OutputTokens = 20 }, second.Usage.Tokens);
        Assert.Equal(0.5m + 2 * 35m / 1_000_000m, second.Usage.CostUsd);
        Assert.Equal(0, other.Usage.TotalTokens);
    }

    [Fact]
    public async Task Usage_ClientLeavesMidStream_CountsWhatTheModelSentSoFar()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        harness.Upstream.HoldStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        using (var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: true), HttpCompletionOption.ResponseHeadersRead, Token).WaitAsync(Bound, Token))
        {
            await harness.Upstream.FirstDeltaSent.Task.WaitAsync(Bound, Token);
        }

        client.Dispose();
        await Task.WhenAll(sandbox.Serving).WaitAsync(Bound, Token);
        await WaitUntilAsync(() => lease.Usage.TotalTokens > 0);

        Assert.Equal(new TokenUsage { InputTokens = 100, OutputTokens = 1, CacheCreationInputTokens = 20, CacheReadInputTokens = 300 }, lease.Usage.Tokens);
    }

    [Fact]
    public async Task Budget_SpentByTheFirstCall_RefusesTheSecondWith403UntilRaised()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var observer = new RecordingObserver();
        var (lease, sandbox) = harness.Open(Request(budget: new ModelBudget { MaxTokens = 400 }, observer: observer));
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        await CallAsync(client, ModelProxyHarness.AnthropicRequest(token, stream: true), lease);
        using var refused = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: true), Token).WaitAsync(Bound, Token);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token))!;
        lease.SetBudget(new ModelBudget { MaxTokens = 10_000 });
        await CallAsync(client, ModelProxyHarness.AnthropicRequest(token, stream: false), lease);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("permission_error", (string?)error["error"]!["type"]);
        Assert.Equal("model budget exceeded: 462 of 400 tokens used", (string?)error["error"]!["message"]);
        var (budget, usage) = Assert.Single(observer.BudgetExceeded);
        Assert.Equal((400L, 462L), (budget.MaxTokens!.Value, usage.TotalTokens));
        Assert.Equal(2, harness.Upstream.Requests.Count);
        Assert.Equal(477, lease.Usage.TotalTokens);
    }

    [Fact]
    public async Task Budget_CostSpent_RefusesAGeminiCallWith403InGooglesFormat()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var observer = new RecordingObserver();
        var spent = new ModelUsage { Tokens = new TokenUsage { InputTokens = 5 }, CostUsd = 2.5m };
        var (lease, sandbox) = harness.Open(Request(budget: new ModelBudget { MaxCostUsd = 2m }, observer: observer, initial: spent));
        using var client = sandbox.ModelClient();

        using var refused = await client.SendAsync(ModelProxyHarness.GeminiRequest(lease.GrantToken(harness.Gemini()), stream: true), Token).WaitAsync(Bound, Token);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token))!;

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("PERMISSION_DENIED", (string?)error["error"]!["status"]);
        Assert.Equal("model budget exceeded: $2.50 of $2.00 used", (string?)error["error"]!["message"]);
        Assert.Single(observer.BudgetExceeded);
        Assert.Empty(harness.Upstream.Requests);
    }

    /// <summary>Makes a call and waits until the proxy has counted it: it may get the answer's last byte first.</summary>
    private static async Task CallAsync(HttpClient client, HttpRequestMessage request, ISandboxGatewayLease lease)
    {
        using (request)
        {
            using var response = await client.SendAsync(request, Token).WaitAsync(Bound, Token);
            await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitUntilAsync(() => ((SandboxGatewayLease)lease).CallsInFlight == 0);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(10, Token);
        }
    }
}
