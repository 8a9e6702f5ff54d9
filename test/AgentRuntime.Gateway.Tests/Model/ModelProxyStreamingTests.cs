using System.Net;
using AgentRuntime.Gateway.Tests.Support;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Model;

public sealed class ModelProxyStreamingTests
{
    [Fact]
    public async Task ServeModel_AnthropicStream_PassesTheFirstEventOnBeforeTheLastIsSent()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Upstream.HoldStream = hold;
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: true), HttpCompletionOption.ResponseHeadersRead, Token).WaitAsync(Bound, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token).WaitAsync(Bound, Token));
        var beforeRelease = new List<string>();
        while (await reader.ReadLineAsync(Token).AsTask().WaitAsync(Bound, Token) is { } line)
        {
            beforeRelease.Add(line);
            if (line.Contains("\"Hello\"", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.False(hold.Task.IsCompleted);
        hold.SetResult();
        var rest = await reader.ReadToEndAsync(Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(beforeRelease, l => l.StartsWith("data: {\"type\":\"message_start\"", StringComparison.Ordinal));
        Assert.DoesNotContain(beforeRelease, l => l.Contains("message_stop", StringComparison.Ordinal));
        Assert.Contains("\" world\"", rest, StringComparison.Ordinal);
        Assert.EndsWith("data: {\"type\":\"message_stop\"}\n\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeModel_KeepAliveConnection_ServesSeveralCallsInTurn()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: i % 2 == 0), Token).WaitAsync(Bound, Token);
            await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.False(Assert.Single(sandbox.Serving).IsCompleted);
        Assert.Equal(3, harness.Upstream.Requests.Count);
    }
}
