using System.Net;
using System.Text.Json;
using AgentRuntime.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

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
        Assert.EndsWith("answers and takes writes.", checks.GetProperty("store").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("The local provider isolates and starts sandboxes.", checks.GetProperty("sandbox").GetProperty("description").GetString());
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

    [Fact]
    public async Task Health_Ready_Answers503OnceTheNodeDrains()
    {
        using var anonymous = Server.CreateHttpClient(null);
        using (var before = await anonymous.GetAsync("/health/ready", Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var sessions = Server.App.Services.GetRequiredService<AgentRuntime.Sessions.SessionManager>();
        Assert.Equal(0, await sessions.DrainAsync(TimeSpan.Zero, Token));

        using var draining = await anonymous.GetAsync("/health/ready", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, draining.StatusCode);
        var node = JsonDocument.Parse(await draining.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("checks").GetProperty("node");
        Assert.Equal("unhealthy", node.GetProperty("status").GetString());
        Assert.StartsWith("This node is stopping", node.GetProperty("description").GetString(), StringComparison.Ordinal);
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

/// <summary>Readiness runs what it checks: a CLI that is there but does not run, and a sandbox that does not start.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokenRuntimeHealthTests : ServerTest
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Claude:CliPath"] = Script("broken-claude", "echo 'claude is broken' >&2; exit 3"),
        // Found where configured, but fails whatever it is asked to run.
        ["AgentRuntime:LocalSandbox:BubblewrapPath"] = Script("broken-bwrap", "echo 'no namespaces here' >&2; exit 1"),
    };

    [Fact]
    public async Task Ready_CliThatFailsAndSandboxThatDoesNotStart_AreNamed_ServerUnavailable()
    {
        using var anonymous = Server.CreateHttpClient(null);

        using var ready = await anonymous.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("checks");
        Assert.Equal("unhealthy", checks.GetProperty("sandbox").GetProperty("status").GetString());
        Assert.Contains("exited with code", checks.GetProperty("sandbox").GetProperty("description").GetString(), StringComparison.Ordinal);
        var architectures = checks.GetProperty("architectures").GetProperty("description").GetString();
        Assert.Contains("claude-agent-sdk:", architectures, StringComparison.Ordinal);
        Assert.Contains("exited with code 3: claude is broken", architectures, StringComparison.Ordinal);
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(DataDirectory, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
