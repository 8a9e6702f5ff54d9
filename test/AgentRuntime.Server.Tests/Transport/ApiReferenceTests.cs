using System.Net;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>Scalar's API reference page: served in Development, a 404 elsewhere; neither it nor the document is ever the web UI.</summary>
public sealed class ApiReferenceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reference_InDevelopment_ServesThePageForTheDocument()
    {
        await using var host = await ApiOnlyHost.StartAsync("Development");

        using var page = await host.Anonymous.GetAsync("/scalar/", Token);
        using var script = await host.Anonymous.GetAsync("/scalar/scalar.js", Token);
        var html = await page.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        // Nothing leaves the machine: the script is the package's own, and telemetry is off.
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync(Token)).Length > 100_000, "scalar.js is the bundle");
    }

    [Fact]
    public async Task Reference_OutsideDevelopment_IsA404ProblemNotTheWebUi()
    {
        var webRoot = Directory.CreateTempSubdirectory("agent-runtime-tests-web-").FullName;
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<html>the web ui</html>", Token);
        try
        {
            await using var host = await ApiOnlyHost.StartAsync("Production", new Dictionary<string, string?> { ["AgentRuntime:WebRoot"] = webRoot });

            // The web UI's fallback is there: a page path gets it.
            using var uiPage = await host.Anonymous.GetAsync("/sessions/some-session", Token);
            Assert.Contains("the web ui", await uiPage.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

            foreach (var path in new[] { "/scalar", "/scalar/", "/scalar/v1", "/openapi", "/openapi/v2.json" })
            {
                using var response = await host.Anonymous.GetAsync(path, Token);
                var body = await response.Content.ReadAsStringAsync(Token);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path}: {(int)response.StatusCode} {body}");
                Assert.DoesNotContain("the web ui", body, StringComparison.Ordinal);
            }

            using var document = await host.Anonymous.GetAsync("/openapi/v1.json", Token);
            Assert.Equal("application/json", document.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            Directory.Delete(webRoot, recursive: true);
        }
    }
}
