using System.Net;
using System.Net.Http.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary>Per-tenant limits: over one, a request answers 429 with Retry-After and a body naming it, and changes nothing.</summary>
public sealed class LimitTests : ServerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Limits:MaxRunningTurns"] = "2",
        ["AgentRuntime:Limits:MaxLiveSandboxes"] = "3",
        ["AgentRuntime:Limits:Tenants:small:MaxSessions"] = "2",
        ["AgentRuntime:Limits:Tenants:small:MaxLiveSandboxes"] = "1",
        ["AgentRuntime:Limits:Tenants:chatty:RequestsPerMinute"] = "5",
    };

    [Fact]
    public async Task TheThirdConcurrentTurn_Gets429_AndTheFirstTwoComplete()
    {
        var ct = TestContext.Current.CancellationToken;
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add((await Server.Http.CreateSessionAsync()).SessionId);
        }

        var streams = new List<EventCollector>();
        foreach (var id in sessions)
        {
            streams.Add(await SubscribeHubAsync(id));
        }

        // Answers that take a few seconds each, so the two turns overlap the third request.
        Model.Enqueue(Slow("first"), Slow("second"));
        var first = await Server.SendMessageAsync(sessions[0], "one");
        var second = await Server.SendMessageAsync(sessions[1], "two");
        using var third = await Server.Http.PostAsJsonAsync($"/api/sessions/{sessions[2]}/messages", new { content = "three" }, ct);

        await AssertLimitAsync(third, "MaxRunningTurns");
        await streams[0].WaitForAsync<TurnCompletedEvent>(e => e.TurnId == first, TimeSpan.FromSeconds(120));
        await streams[1].WaitForAsync<TurnCompletedEvent>(e => e.TurnId == second, TimeSpan.FromSeconds(120));
        Assert.DoesNotContain(streams[2].Events, e => e is TurnStartedEvent);

        // With the turns over, the third goes through.
        Model.Enqueue(Reply.Text("third"));
        var turn = await Server.SendMessageAsync(sessions[2], "three");
        await streams[2].WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn, TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task ATenantAtItsSessionAndSandboxLimits_Gets429_AndNothingIsHalfCreated()
    {
        var ct = TestContext.Current.CancellationToken;
        var small = Server.CreateHttpClient((await Server.CreateKeyAsync("small")).Key);
        var first = await small.CreateSessionAsync();
        await small.CreateSessionAsync();
        using (var refused = await small.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk" }, ct))
        {
            await AssertLimitAsync(refused, "MaxSessions");
        }

        Assert.Equal(2, (await small.GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, ct))!.Sessions.Count);
        Assert.Equal(2, (await Server.Http.GetFromJsonAsync("/api/sessions?tenantId=small", AgentRuntimeJsonContext.Default.SessionList, ct))!.Sessions.Count);
        await Server.Http.CreateSessionAsync(); // The admin's tenant has its own count.

        // One live sandbox: the first session's stays up after its turn, so the second may not start one.
        var events = await SubscribeHubAsync(first.SessionId);
        Model.Enqueue(Reply.Text("hello"));
        using (var accepted = await small.PostAsJsonAsync($"/api/sessions/{first.SessionId}/messages", new { content = "hi" }, ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await events.WaitForAsync<TurnCompletedEvent>(_ => true, TimeSpan.FromSeconds(120));
        var second = (await small.GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, ct))!.Sessions.Single(s => s.SessionId != first.SessionId);
        using (var refused = await small.PostAsJsonAsync($"/api/sessions/{second.SessionId}/messages", new { content = "hi" }, ct))
        {
            await AssertLimitAsync(refused, "MaxLiveSandboxes");
        }

        // Deleting the first session ends its sandbox and frees the slot.
        Assert.Equal(HttpStatusCode.NoContent, (await small.DeleteAsync($"/api/sessions/{first.SessionId}", ct)).StatusCode);
        Model.Enqueue(Reply.Text("hello again"));
        using var now = await small.PostAsJsonAsync($"/api/sessions/{second.SessionId}/messages", new { content = "hi" }, ct);
        Assert.Equal(HttpStatusCode.Accepted, now.StatusCode);
    }

    [Fact]
    public async Task RequestsPerMinute_AreCountedPerTenant()
    {
        var ct = TestContext.Current.CancellationToken;
        var chatty = Server.CreateHttpClient((await Server.CreateKeyAsync("chatty")).Key);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await chatty.GetAsync("/api/sessions", ct)).StatusCode);
        }

        using var refused = await chatty.GetAsync("/api/sessions", ct);
        await AssertLimitAsync(refused, "RequestsPerMinute");
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("/api/sessions", ct)).StatusCode);
    }

    private static Reply Slow(string text) => Reply.Text($"{text} answer, streamed slowly on purpose").WithPieces(20).WithChunkDelay(TimeSpan.FromMilliseconds(150));

    private static async Task AssertLimitAsync(HttpResponseMessage response, string limit)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {response.Headers.RetryAfter}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"\"limit\":\"{limit}\"", body, StringComparison.Ordinal);
        Assert.Contains(limit, body, StringComparison.Ordinal);
    }
}
