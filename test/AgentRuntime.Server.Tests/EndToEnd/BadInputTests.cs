using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class BadInputTests : ServerTest
{
    [Theory]
    [InlineData("GET", "/api/sessions/{unknown}")]
    [InlineData("GET", "/api/sessions/{unknown}/events")]
    [InlineData("DELETE", "/api/sessions/{unknown}")]
    [InlineData("POST", "/api/sessions/{unknown}/messages")]
    [InlineData("GET", "/api/sessions/not-a-guid")]
    [InlineData("GET", "/api/profiles/no-such-profile")]
    public async Task UnknownSessionOrProfile_Returns404ProblemDetails(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{unknown}", Guid.NewGuid().ToString()));
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { content = "hello" });
        }

        var response = await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadProblemAsync(response);
        Assert.Contains("not found", (string?)problem["detail"], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    public async Task CreateSession_WithMalformedJson_Returns400NamingTheProblem(string body)
    {
        var response = await Server.Http.PostAsync("/api/sessions", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Contains("JSON", (string?)problem["detail"], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/api/sessions", "text/plain")]
    [InlineData("/api/sessions", "application/x-www-form-urlencoded")]
    [InlineData("/api/sessions", null)]
    [InlineData("/api/sessions/{id}/messages", "text/plain")]
    [InlineData("/api/sessions/{id}", "text/plain")]
    public async Task JsonEndpoints_WithABodyThatIsNotJson_Return415AndDoNothing(string path, string? contentType)
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        var content = new StringContent("""{"agentProfileRef": "default", "architecture": "claude-agent-sdk", "content": "hi", "budget": null}""");
        content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var method = path.EndsWith("{id}", StringComparison.Ordinal) ? HttpMethod.Patch : HttpMethod.Post;

        var response = await Server.Http.SendAsync(new HttpRequestMessage(method, path.Replace("{id}", session.SessionId, StringComparison.Ordinal)) { Content = content }, ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", (string?)(await ReadProblemAsync(response))["detail"], StringComparison.Ordinal);
        var list = await Server.Http.GetFromJsonAsync<JsonObject>("/api/sessions", ct);
        Assert.Single(list!["sessions"]!.AsArray());
        Assert.Equal(0, (await Server.GetSessionAsync(session.SessionId)).LastSeq);
    }

    [Fact]
    public async Task CreateSession_WithUnknownArchitecture_Returns400ListingTheKnownOnes()
    {
        var response = await Server.Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "cobol-agent" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (string?)(await ReadProblemAsync(response))["detail"];
        Assert.Contains("cobol-agent", detail);
        Assert.Contains("claude-agent-sdk", detail);
        var list = await Server.Http.GetFromJsonAsync<JsonObject>("/api/sessions", TestContext.Current.CancellationToken);
        Assert.Empty(list!["sessions"]!.AsArray());
    }

    [Fact]
    public async Task CreateSession_WithUnknownProfile_Returns400()
    {
        var response = await Server.Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "nope", architecture = "claude-agent-sdk" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("nope", (string?)(await ReadProblemAsync(response))["detail"]);
    }

    [Fact]
    public async Task SecondMessage_WhileATurnIsRunning_Returns409()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("A slow answer streamed word by word.").WithChunkDelay(TimeSpan.FromMilliseconds(200)));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Take your time");

        var second = await Server.Http.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new { content = "Are you done?" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already answering", (string?)(await ReadProblemAsync(second))["detail"]);
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        Model.Enqueue(Reply.Text("Now I am."));
        Assert.NotEmpty(await Server.SendMessageAsync(session.SessionId, "Are you done now?"));
    }

    [Fact]
    public async Task EmptyMessage_Returns400()
    {
        var session = await Server.CreateSessionAsync();

        var response = await Server.Http.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new { content = "  " }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DeleteSession_RemovesItAndItsDataThen404s()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("Hello."));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Hi");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        var deleted = await Server.Http.DeleteAsync($"/api/sessions/{session.SessionId}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync($"/api/sessions/{session.SessionId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync($"/api/sessions/{session.SessionId}/events", TestContext.Current.CancellationToken)).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "sandboxes", session.SessionId)));
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.DeleteAsync($"/api/sessions/{session.SessionId}", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static async Task<JsonObject> ReadProblemAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
}

public sealed class MissingApiKeyTests : ServerTest
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["AgentRuntime:Claude:ApiKey"] = "" };

    [Fact]
    public async Task Message_WithNoApiKeyConfigured_FailsTheTurnWithAClearErrorBlock()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);

        var turnId = await Server.SendMessageAsync(session.SessionId, "Hello?");

        var failed = await hub.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turnId);
        Assert.Contains("API key", failed.Error);
        var error = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Single();
        Assert.Equal("missing_api_key", error.Code);
        Assert.Empty(Model.ConversationRequests);
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("/api/health", TestContext.Current.CancellationToken)).StatusCode);
    }
}
