using System.Net;
using AgentRuntime.Client.Tests.Support;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class RestTests : ClientTest
{
    [Fact]
    public async Task ReadOnlyEndpoints_OnARunningServer_AnswerTyped()
    {
        var ct = TestContext.Current.CancellationToken;

        var health = await Client.GetHealthAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var architectures = await Client.GetArchitecturesAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var profiles = await Client.ListProfilesAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var profile = await Client.GetProfileAsync("default", ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal("ok", health.Status);
        Assert.True(health.Time > DateTimeOffset.UnixEpoch);
        Assert.True(health.Sandbox?.Isolation);
        Assert.Contains(architectures, a => a.Name == "claude-agent-sdk" && a.Available);
        Assert.Contains(profiles, p => p.Id == "default");
        Assert.Equal("default", profile.Id);
    }

    [Fact]
    public async Task SetBudget_SetsAndClearsTheSessionsBudget_AndRefusesANegativeOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);

        var limited = await Client.SetBudgetAsync(session.SessionId, new Gateway.ModelBudget { MaxTokens = 1000 }, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var detail = await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var cleared = await Client.SetBudgetAsync(session.SessionId, null, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() =>
            Client.SetBudgetAsync(session.SessionId, new Gateway.ModelBudget { MaxTokens = -1 }, ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(1000, limited.Budget?.MaxTokens);
        Assert.Equal(1000, detail.Metadata?.Budget?.MaxTokens);
        Assert.Null(cleared.Budget);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task GetProfile_Unknown_ThrowsWithTheProblemDetails()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.GetProfileAsync("nope", ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("Profile not found", error.Title);
        Assert.Equal("Profile 'nope' was not found.", error.Detail);
        Assert.Equal("404 Profile not found: Profile 'nope' was not found.", error.Message);
    }

    [Fact]
    public async Task CreateSession_UnknownArchitecture_ThrowsBadRequestNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.CreateSessionAsync("default", "no-such-arch", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("no-such-arch", error.Detail);
    }

    [Fact]
    public async Task SendMessage_EmptyContent_ThrowsBadRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);

        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.SendMessageAsync(session.SessionId, "", ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Empty(await Client.GetEventsAsync(session.SessionId, 0, ct).WaitAsync(RuntimeServer.Timeout, ct));
    }

    [Fact]
    public async Task InjectedHttpClientWithApiKey_SendsTheKeyAsBearerOnEveryCallAndLeavesTheHttpClientOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new RecordingHandler(new SocketsHttpHandler());
        using var http = new HttpClient(recorder);
        var client = new AgentRuntimeClient(new AgentRuntimeClientOptions { BaseAddress = Server.BaseAddress, HttpClient = http, ApiKey = Server.AdminKey });

        var session = await client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        await client.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        await client.WriteFileAsync(session.SessionId, "a.txt", "a"u8.ToArray(), ct).WaitAsync(RuntimeServer.Timeout, ct);
        await client.ReadFileAsync(session.SessionId, "a.txt", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await client.DeleteSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        await client.DisposeAsync();

        Assert.Equal(5, recorder.Authorizations.Count);
        Assert.All(recorder.Authorizations, a => Assert.Equal($"Bearer {Server.AdminKey}", a));
        await http.GetAsync(new Uri(Server.BaseAddress, "/api/health"), ct).WaitAsync(RuntimeServer.Timeout, ct);
    }

    private sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<string?> Authorizations { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorizations.Add(request.Headers.Authorization?.ToString());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
