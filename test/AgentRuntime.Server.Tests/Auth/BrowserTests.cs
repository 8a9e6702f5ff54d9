using System.Net;
using System.Text;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary>
/// What a hostile web page can make a browser send: cross-origin requests (with the Origin header browsers add), a
/// WebSocket to the hub, a "simple" form-like POST, and requests under a rebound DNS name (a foreign Host header).
/// </summary>
public sealed class BrowserTests : ServerTest
{
    private const string Evil = "http://evil.example";
    private const string App = "https://app.example.com";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["AgentRuntime:Cors:Origins:0"] = App };

    [Fact]
    public async Task AnotherSitesPage_IsRefused_OnTheApiTheStreamAndTheHub()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.Http.CreateSessionAsync();
        foreach (var request in new[]
        {
            Request(HttpMethod.Post, "/hubs/sessions/negotiate?negotiateVersion=1", Evil),
            Request(HttpMethod.Get, "/hubs/sessions", Evil),
            Request(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events", Evil, accept: "text/event-stream"),
            Request(HttpMethod.Get, $"/api/sessions/{session.SessionId}/files/f.txt", Evil),
            Request(HttpMethod.Post, $"/api/sessions/{session.SessionId}/messages", Evil, new StringContent("{\"content\":\"hi\"}", Encoding.UTF8, "text/plain")),
            Request(HttpMethod.Get, "/api/sessions", "null"), // a sandboxed frame or a file: page
        })
        {
            // Even with the key (a page that stole it still may not use it from its own origin).
            using var response = await Server.Http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Origin not allowed", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }

        // Without the key, the simple cross-site POST that used to create a session cannot either.
        using var simplePost = await Server.CreateHttpClient(null).SendAsync(
            Request(HttpMethod.Post, "/api/sessions", Evil, new StringContent("{\"agentProfileRef\":\"default\",\"architecture\":\"claude-agent-sdk\"}", Encoding.UTF8, "text/plain")), ct);
        Assert.Equal(HttpStatusCode.Forbidden, simplePost.StatusCode);
    }

    [Fact]
    public async Task TheConfiguredOrigin_GetsCors_AndTheServersOwnPagesNeedNone()
    {
        var ct = TestContext.Current.CancellationToken;
        var preflight = Request(HttpMethod.Options, "/api/sessions", App);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using (var response = await Server.CreateHttpClient(null).SendAsync(preflight, ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(App, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }

        using (var response = await Server.Http.SendAsync(Request(HttpMethod.Get, "/api/sessions", App), ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(App, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        var own = Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var same = await Server.Http.SendAsync(Request(HttpMethod.Get, "/api/sessions", own), ct);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:80")]
    [InlineData("127.0.0.1.nip.example")]
    public async Task ALoopbackServer_AnswersOnlyToLoopbackNames(string host)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = Request(HttpMethod.Get, "/api/health", origin: null);
        request.Headers.Host = host;
        // Each on a connection of its own: the server closes the connection that got the 400.
        using (var foreign = Server.CreateHttpClient(null))
        using (var response = await foreign.SendAsync(request, ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var local = Request(HttpMethod.Get, "/api/health", origin: null);
        local.Headers.Host = $"localhost:{Server.BaseAddress.Port}";
        using var loopback = Server.CreateHttpClient(null);
        Assert.Equal(HttpStatusCode.OK, (await loopback.SendAsync(local, ct)).StatusCode);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? origin, HttpContent? content = null, string? accept = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return request;
    }
}
