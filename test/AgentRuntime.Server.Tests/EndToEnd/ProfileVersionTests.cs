using System.Net;
using System.Net.Http.Json;
using System.Text;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// A session runs on the profile version it started with, through the real Claude Code CLI: the system prompt and model
/// the model server sees are the old version's until the session is moved to the latest.
/// </summary>
public sealed class ProfileVersionTests : ServerTest
{
    [Fact]
    public async Task ChangedProfile_OldSessionKeepsItsVersionUntilMoved_NewSessionGetsTheLatest()
    {
        var ct = TestContext.Current.CancellationToken;
        await SaveAsync(HttpMethod.Post, "/api/profiles", "The codeword is OLDPROMPT.", "claude-scripted-old");
        var old = await Server.CreateSessionAsync(profile: "versioned");
        var oldEvents = await SubscribeHubAsync(old.SessionId);
        await TurnAsync(old.SessionId, oldEvents);
        Assert.Contains("OLDPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);

        await SaveAsync(HttpMethod.Put, "/api/profiles/versioned", "The codeword is NEWPROMPT.", "claude-scripted-new");

        await TurnAsync(old.SessionId, oldEvents);
        Assert.Contains("OLDPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);
        Assert.DoesNotContain("NEWPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);
        Assert.Equal("claude-scripted-old", Model.ConversationRequests[^1].Model);

        var fresh = await Server.CreateSessionAsync(profile: "versioned");
        Assert.Equal(2, fresh.AgentProfileVersion);
        await TurnAsync(fresh.SessionId, await SubscribeHubAsync(fresh.SessionId));
        Assert.Contains("NEWPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);
        Assert.Equal("claude-scripted-new", Model.ConversationRequests[^1].Model);

        using var moved = await Server.Http.PatchAsJsonAsync($"/api/sessions/{old.SessionId}", new { profileVersion = "latest" }, ct);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        await TurnAsync(old.SessionId, oldEvents);

        // The agent was started again on version 2, resuming its conversation: version 2's model and prompt.
        Assert.Equal("claude-scripted-new", Model.ConversationRequests[^1].Model);
        Assert.Contains("NEWPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);
        Assert.DoesNotContain("OLDPROMPT", Model.ConversationRequests[^1].System, StringComparison.Ordinal);
        Assert.Equal(2, (await Server.GetSessionAsync(old.SessionId)).AgentProfileVersion);
    }

    private async Task SaveAsync(HttpMethod method, string url, string systemPrompt, string model)
    {
        using var request = new HttpRequestMessage(method, url)
        {
            Content = new StringContent($$"""{"id":"versioned","name":"Versioned","systemPrompt":"{{systemPrompt}}","model":"{{model}}"}""", Encoding.UTF8, "application/json"),
        };
        using var response = await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private async Task TurnAsync(string sessionId, EventCollector events)
    {
        Model.Enqueue(Reply.Text("Noted."));
        var turnId = await Server.SendMessageAsync(sessionId, "Hello");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(120));
    }
}
