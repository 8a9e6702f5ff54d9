using System.Net;
using System.Text.Json.Nodes;
using AgentRuntime.Gateway.Tests.Support;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Model;

public sealed class ModelProxyTokenTests
{
    [Fact]
    public async Task ServeModel_AnthropicCallWithItsToken_UpstreamGetsTheRealKeyAndNeverTheToken()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: false), Token).WaitAsync(Bound, Token);
        var body = await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeModelUpstream.AnthropicJson, body);
        var seen = Assert.Single(harness.Upstream.Requests);
        Assert.Equal(("POST", "/v1/messages"), (seen.Method, seen.RawTarget));
        Assert.Equal(ModelProxyHarness.AnthropicKey, seen.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", seen.Headers["anthropic-version"]);
        Assert.Equal($"127.0.0.1:{harness.Upstream.BaseUrl.Port}", seen.Headers["Host"]);
        Assert.False(seen.Headers.ContainsKey("Accept-Encoding"));
        Assert.DoesNotContain(seen.Headers, h => h.Value.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(token, seen.Body, StringComparison.Ordinal);
        Assert.Contains("Say hello", seen.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.Concat(response.Content.Headers), h => h.Value.Any(v => v.Contains("REAL-KEY", StringComparison.Ordinal)));
        Assert.DoesNotContain("REAL-KEY", body, StringComparison.Ordinal);
        Assert.StartsWith("art-", token, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeModel_GeminiTokenInTheKeyQueryParameter_IsTakenOutAndTheRealKeyGoesInTheHeader()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Gemini());
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.GeminiRequest(token, stream: true, keyInQuery: true), Token).WaitAsync(Bound, Token);
        await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(harness.Upstream.Requests);
        Assert.Equal("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", seen.RawTarget);
        Assert.Equal(ModelProxyHarness.GeminiKey, seen.Headers["x-goog-api-key"]);
        Assert.False(seen.Headers.ContainsKey("x-api-key"));
    }

    [Fact]
    public async Task ServeModel_BearerToken_IsAcceptedAndNotForwarded()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();
        using var request = ModelProxyHarness.AnthropicRequest("", stream: false);
        request.Headers.Remove("x-api-key");
        request.Headers.Authorization = new("Bearer", token);

        using var response = await client.SendAsync(request, Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(harness.Upstream.Requests);
        Assert.False(seen.Headers.ContainsKey("Authorization"));
        Assert.Equal(ModelProxyHarness.AnthropicKey, seen.Headers["x-api-key"]);
    }

    [Fact]
    public async Task ServeModel_UnknownToken_Returns401InAnthropicsFormatAndReachesNothing()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest("art-made-up", stream: true), Token).WaitAsync(Bound, Token);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token))!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("authentication_error", (string?)error["error"]!["type"]);
        Assert.Empty(harness.Upstream.Requests);
    }

    [Fact]
    public async Task ServeModel_UnknownGeminiToken_Returns401InGooglesFormat()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (_, sandbox) = harness.Open();
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.GeminiRequest("nope", stream: true), Token).WaitAsync(Bound, Token);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token))!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal((401, "UNAUTHENTICATED"), ((int)error["error"]!["code"]!, (string?)error["error"]!["status"]));
        Assert.Empty(harness.Upstream.Requests);
    }

    [Fact]
    public async Task ServeModel_TokenOfAnotherSandboxOnThisSandboxsConnection_IsRefused()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (leaseA, sandboxA) = harness.Open(Request("a"));
        var (leaseB, sandboxB) = harness.Open(Request("b"));
        var tokenA = leaseA.GrantToken(harness.Anthropic());
        leaseB.GrantToken(harness.Anthropic());
        using var clientA = sandboxA.ModelClient();
        using var clientB = sandboxB.ModelClient();

        using var onB = await clientB.SendAsync(ModelProxyHarness.AnthropicRequest(tokenA, stream: false), Token).WaitAsync(Bound, Token);
        using var onA = await clientA.SendAsync(ModelProxyHarness.AnthropicRequest(tokenA, stream: false), Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, onB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onA.StatusCode);
        Assert.Single(harness.Upstream.Requests);
        Assert.Equal(0, leaseB.Usage.TotalTokens);
        Assert.Equal(15, leaseA.Usage.TotalTokens);
    }

    [Fact]
    public async Task Dispose_LeaseWithAnAnswerStreaming_RevokesItsTokensAndClosesItsConnections()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        harness.Upstream.HoldStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();
        using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: true), HttpCompletionOption.ResponseHeadersRead, Token).WaitAsync(Bound, Token);
        await harness.Upstream.FirstDeltaSent.Task.WaitAsync(Bound, Token);
        var internalLease = (SandboxGatewayLease)lease;

        lease.Dispose();

        Assert.False(internalLease.TryGetGrant(token, out _));
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token));
        await Task.WhenAll(sandbox.Serving).WaitAsync(Bound, Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: false), Token).WaitAsync(Bound, Token));
        Assert.False(harness.Gateway.TryGetLease(internalLease.Id, out _));
    }
}
