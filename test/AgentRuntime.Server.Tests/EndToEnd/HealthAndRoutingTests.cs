using System.Net;
using System.Text.Json;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class HealthAndRoutingTests : ServerTest
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_LiveAndReady_AnswerJsonWithoutACredential()
    {
        using var anonymous = Server.CreateHttpClient(null);

        using var live = await anonymous.GetAsync("/health/live", Token);
        using var ready = await anonymous.GetAsync("/health/ready", Token);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", JsonDocument.Parse(await live.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("status").GetString());
        var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Token)).RootElement;
        var checks = report.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("sandbox").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // The generic ACP architecture has no agent configured in these tests: the server is degraded, not down.
        Assert.Equal("degraded", checks.GetProperty("architectures").GetProperty("status").GetString());
        Assert.Contains("acp:", checks.GetProperty("architectures").GetProperty("description").GetString(), StringComparison.Ordinal);
        foreach (var alias in new[] { "/health", "/healthz" })
        {
            using var answer = await anonymous.GetAsync(alias, Token);
            Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("GET", "/api/nothing-here")]
    [InlineData("POST", "/api/nothing/deeper")]
    [InlineData("GET", "/hubs/other")]
    [InlineData("GET", "/api")]
    public async Task UnknownApiPath_IsA404ProblemNotTheWebUi(string method, string path)
    {
        using var response = await Server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Token);

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{response.StatusCode} allow: {response.Content.Headers.Allow}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No API route answers", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownRoute_WithAnotherMethod_Stays405()
    {
        using var response = await Server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/me"), Token);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
