using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentRuntime.Blocks;
using AgentRuntime.Client;
using AgentRuntime.Events;
using AgentRuntime.Packaging.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Packaging.Tests.NuGet;

/// <summary>
/// The packages installed into a fresh web app: it restores them from the local feed, builds, and runs a real turn of the
/// Claude Code CLI in a bubblewrap sandbox against the scripted model, driven through the .NET client.
/// </summary>
[Collection(PackedLibrariesCollection.Name)]
public sealed partial class WebAppSampleTests(WebAppSample sample) : IClassFixture<WebAppSample>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void Restore_TakesTheRuntimeFromTheLocalFeed_AtThePackedVersion()
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(sample.AppDirectory, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();

        string[] expected = [.. WebAppSample.References, "AgentRuntime.Core", "AgentRuntime.Gateway", "AgentRuntime.Abstractions"];
        Assert.Equal(
            expected.Select(id => $"{id}/{sample.Packed.Version}").Order(StringComparer.Ordinal),
            libraries.Where(l => l.StartsWith("AgentRuntime.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.All(expected, id => Assert.True(
            Directory.Exists(Path.Combine(sample.PackagesDirectory, id.ToLowerInvariant(), sample.Packed.Version)),
            $"{id} was not restored into the app's own package folder"));
    }

    [Fact]
    public async Task FreshWebApp_WithThePackages_RunsATurnOfTheRealCliInASandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync(ct);
        using var data = new PrivateDirectory("agent-runtime-sample-data-");
        await using var app = sample.Start(Settings(data.Path, model.BaseUrl), "run.log");
        var address = await app.WaitForLogAsync(line => ListeningOn().Match(line) is { Success: true } m ? m.Groups[1].Value : null, Timeout, ct);
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(data.Path, "admin.key"), ct)).Trim();

        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout };
        Assert.Equal("Hello World!", await http.GetStringAsync("/", ct));
        await using var client = new AgentRuntimeClient(new AgentRuntimeClientOptions { BaseAddress = new Uri(address), ApiKey = adminKey });
        Assert.Contains(await client.GetArchitecturesAsync(ct).WaitAsync(Timeout, ct), a => a.Name == "claude-agent-sdk" && a.Available);

        var session = await client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(Timeout, ct);
        model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo made-in-a-sandbox > hello.txt && cat hello.txt", description = "Write a file" }),
            Reply.Text("hello.txt is written."));
        var events = new List<SessionEvent>();
        using var following = CancellationTokenSource.CreateLinkedTokenSource(ct);
        following.CancelAfter(Timeout);
        var turn = Task.Run(
            async () =>
            {
                await foreach (var e in client.SubscribeAsync(session.SessionId, afterSeq: 0, following.Token))
                {
                    events.Add(e);
                    if (e is TurnCompletedEvent or TurnFailedEvent)
                    {
                        return e;
                    }
                }

                throw new InvalidOperationException("The subscription ended before the turn did.");
            },
            ct);
        await client.SendMessageAsync(session.SessionId, "Write hello.txt, please", ct).WaitAsync(Timeout, ct);

        var end = await turn.WaitAsync(Timeout, ct);

        Assert.IsType<TurnCompletedEvent>(end);
        var result = events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single();
        Assert.Contains("made-in-a-sandbox", result.Output, StringComparison.Ordinal);
        Assert.Contains(events.OfType<BlockCompleteEvent>(), e => e.Block is AssistantTextBlock { Content: "hello.txt is written." });
        Assert.Equal("made-in-a-sandbox\n", Encoding.UTF8.GetString(await client.ReadFileAsync(session.SessionId, "hello.txt", ct).WaitAsync(Timeout, ct)));
        Assert.True(File.Exists(Path.Combine(data.Path, "agent-runtime.db")), "The SQLite store did not make its database in the data directory.");
    }

    [Fact]
    public async Task FreshWebApp_WithAnInvalidSetting_RefusesToStartNamingTheKey()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new PrivateDirectory("agent-runtime-sample-data-");
        var settings = new Dictionary<string, string?>(Settings(data.Path, "http://127.0.0.1:9"))
        {
            ["AgentRuntime__Claude__BaseUrl"] = "ftp://127.0.0.1/models",
        };

        await using var app = sample.Start(settings, "invalid.log");
        await app.WaitForExitAsync(Timeout);

        Assert.NotEqual(0, app.ExitCode);
        Assert.Contains("AgentRuntime:Claude:BaseUrl must be an absolute http or https URL", app.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", app.Log, StringComparison.Ordinal);
    }

    // What an operator sets for the app: configuration through environment variables, nothing in code.
    private static Dictionary<string, string?> Settings(string dataDirectory, string modelUrl) => new()
    {
        ["AgentRuntime__DataDirectory"] = dataDirectory,
        ["AgentRuntime__Claude__ApiKey"] = "sk-ant-test-key",
        ["AgentRuntime__Claude__BaseUrl"] = modelUrl,
        // The pinned CLI of the checkout: the app's directory has no agents/ above it.
        ["AgentRuntime__Claude__CliPath"] = Repository.PathOf("agents", "node_modules", ".bin", "claude"),
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
    };

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
