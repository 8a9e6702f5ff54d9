using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Benchmarks.Interrupt;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Packages;

namespace AgentRuntime.Benchmarks.DependencyLayers;

/// <summary>
/// What a profile's dependencies cost a session's start: the real host (SQLite, bubblewrap, the real Claude Code CLI)
/// with a scripted model and a local package mirror; the time from a new session's first message to its completed turn,
/// for a profile without dependencies, for the first session of a profile with one npm and one pip package (which
/// installs the layer through the egress proxy), and for later sessions of it (the layer cached).
/// </summary>
internal static class DependencyLayerBenchmark
{
    public const int Sessions = 3;

    private static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(180);

    public static async Task<DependencyLayerResult> RunAsync(string directory, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Claude Code and the installers run in bubblewrap sandboxes: Linux only.");
        }

        var dataDirectory = Path.Combine(directory, "layers-bench");
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken);
        model.Respond(_ => Reply.Text("Ready."));
        await using var mirror = await PackageMirror.StartAsync(cancellationToken);
        mirror.AddNpmPackage("bench-greeter", "1.0.0", new Dictionary<string, string> { ["index.js"] = "exports.greet = () => 'hi';\n" });
        mirror.AddPipPackage("bench-calculator", "1.0.0", new Dictionary<string, string> { ["bench_calculator/__init__.py"] = "def add(a, b):\n    return a + b\n" });
        await using var host = await BenchHost.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            ["AgentRuntime:Claude:BaseUrl"] = model.BaseUrl,
            ["AgentRuntime:Claude:ApiKey"] = "sk-ant-bench-key",
            ["AgentRuntime:Dependencies:NpmRegistry"] = mirror.NpmRegistry,
            ["AgentRuntime:Dependencies:PipIndexUrl"] = mirror.PipIndexUrl,
        }, cancellationToken);
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = TurnTimeout };
        var network = new JsonObject { ["allow"] = new JsonArray(mirror.AllowEntry) };
        await SaveProfileAsync(http, new JsonObject { ["id"] = "plain", ["name"] = "plain", ["network"] = network.DeepClone() }, cancellationToken);
        await SaveProfileAsync(http, new JsonObject
        {
            ["id"] = "deps",
            ["name"] = "deps",
            ["network"] = network.DeepClone(),
            ["npmDependencies"] = new JsonArray("bench-greeter@1.0.0"),
            ["pipDependencies"] = new JsonArray("bench-calculator==1.0.0"),
        }, cancellationToken);

        Console.Error.WriteLine("Dependency layers: a warm-up session starts the CLI once...");
        await FirstTurnAsync(http, "plain", cancellationToken);
        var plain = new List<double>();
        for (var i = 0; i < Sessions; i++)
        {
            plain.Add((await FirstTurnAsync(http, "plain", cancellationToken)).Milliseconds);
        }

        Console.Error.WriteLine("Dependency layers: the first session of the profile installs its layer...");
        var cold = await FirstTurnAsync(http, "deps", cancellationToken);
        var warm = new List<double>();
        for (var i = 0; i < Sessions; i++)
        {
            var turn = await FirstTurnAsync(http, "deps", cancellationToken);
            if (turn.InstallSeconds is not null)
            {
                throw new InvalidOperationException("A later session installed the layer again.");
            }

            warm.Add(turn.Milliseconds);
        }

        return new DependencyLayerResult(Median(plain), cold.Milliseconds, cold.InstallSeconds ?? double.NaN, Median(warm), mirror.Downloads.Values.Sum());
    }

    private static async Task<(double Milliseconds, double? InstallSeconds)> FirstTurnAsync(HttpClient http, string profile, CancellationToken cancellationToken)
    {
        using var created = await http.PostAsJsonAsync("api/sessions", new CreateSessionBody(profile, "claude-agent-sdk"), AgentRuntimeJsonContext.Default.CreateSessionBody, cancellationToken);
        created.EnsureSuccessStatusCode();
        var session = (await created.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, cancellationToken))!.SessionId;
        await using var events = await SessionEventStream.OpenAsync(http, session, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        using var sent = await http.PostAsJsonAsync($"api/sessions/{session}/messages", new SendMessageBody("Hello"), AgentRuntimeJsonContext.Default.SendMessageBody, cancellationToken);
        sent.EnsureSuccessStatusCode();
        var end = await events.WaitForAsync(0, e => e is TurnCompletedEvent or TurnFailedEvent, "the first turn's end", TurnTimeout, cancellationToken);
        if (end.Event is TurnFailedEvent failed)
        {
            throw new InvalidOperationException($"The first turn of a '{profile}' session failed: {failed.Error}");
        }

        var elapsed = Stopwatch.GetElapsedTime(started, end.Timestamp).TotalMilliseconds;
        var installed = events.Since(0).Select(r => r.Event).OfType<BlockCompleteEvent>().Select(e => e.Block)
            .OfType<SystemBlock>().FirstOrDefault(b => b.Subtype == "dependencies_installed");
        return (elapsed, installed?.Metadata?["seconds"]?.GetValue<double>());
    }

    private static async Task SaveProfileAsync(HttpClient http, JsonObject profile, CancellationToken cancellationToken)
    {
        using var content = new StringContent(profile.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("api/profiles", content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

/// <summary>A new session's first turn (message to completed), in milliseconds, by its profile's dependencies.</summary>
internal sealed record DependencyLayerResult(double PlainMs, double ColdMs, double InstallSeconds, double WarmMs, int Downloads);
