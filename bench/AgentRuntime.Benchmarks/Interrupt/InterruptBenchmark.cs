using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Host;
using AgentRuntime.Hosting;
using AgentRuntime.Serialization;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Benchmarks.Interrupt;

/// <summary>
/// How long a turn takes to stop after <c>POST /api/sessions/{id}/interrupt</c>: the real host (<c>RuntimeHost</c>:
/// SQLite, the local bubblewrap sandbox, the real Claude Code CLI) against a scripted model server, one session, one SSE
/// subscriber. Two scenarios, each interrupted <see cref="Turns"/> times after one unmeasured warm-up: during a long
/// Bash tool (<c>sleep 30</c>), and while the model's text streams slowly. After every interrupt the next message is
/// sent and must complete, on the same CLI.
/// </summary>
internal static class InterruptBenchmark
{
    public const int Turns = 10;

    /// <summary>The pause between the tool call's block completing and the interrupt, so the command is running.</summary>
    public static readonly TimeSpan ToolSettle = TimeSpan.FromMilliseconds(300);

    /// <summary>The streamed text's deltas received before the interrupt.</summary>
    public const int DeltasBeforeInterrupt = 3;

    public const int StreamPieces = 60;
    public static readonly TimeSpan StreamChunkDelay = TimeSpan.FromMilliseconds(200);

    // Markers in the prompts that choose the scripted model's answer (it reads the conversation's last message).
    private const string SleepMarker = "bench-sleep";
    private const string StreamMarker = "bench-stream";
    private const string NextMarker = "bench-next";

    private static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(60);
    private static readonly string LongText = string.Join(' ', Enumerable.Range(1, 360).Select(i => $"word{i}"));

    public static async Task<InterruptResult> RunAsync(string directory, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Claude Code runs in a bubblewrap sandbox: Linux only.");
        }

        // The server's data are private to this user, as the host's are: the sandboxes live under it.
        var dataDirectory = Path.Combine(directory, "interrupt");
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken);
        model.Respond(Answer);
        var marks = new InterruptLogMarks();
        await using var host = await BenchHost.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            ["AgentRuntime:Claude:BaseUrl"] = model.BaseUrl,
            ["AgentRuntime:Claude:ApiKey"] = "sk-ant-bench-key",
        }, cancellationToken, builder =>
        {
            builder.Logging.AddProvider(marks);
            builder.Logging.AddFilter<InterruptLogMarks>(null, LogLevel.Information);
        });
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = TurnTimeout };
        var grace = host.App.Services.GetRequiredService<IOptions<AgentRuntimeOptions>>().Value.InterruptGrace;
        var session = await CreateSessionAsync(http, cancellationToken);
        await using var events = await SessionEventStream.OpenAsync(http, session, cancellationToken);
        var bench = new Bench(http, session, events, marks, grace);

        Console.Error.WriteLine("Interrupt: the first turn starts the sandbox and Claude Code...");
        var first = Stopwatch.GetTimestamp();
        var firstTurn = await bench.SendAsync($"{NextMarker} Hello.", cancellationToken);
        await bench.WaitForEndAsync(firstTurn.From, firstTurn.TurnId, cancellationToken);
        var firstTurnMs = Stopwatch.GetElapsedTime(first).TotalMilliseconds;

        var duringTool = await RunScenarioAsync(bench, "during a long tool (Bash `sleep 30`)", $"{SleepMarker} Wait a while.", WaitForToolAsync, cancellationToken);
        var whileStreaming = await RunScenarioAsync(bench, $"while text streams ({StreamPieces} deltas, {StreamChunkDelay.TotalMilliseconds:0} ms apart)",
            $"{StreamMarker} Tell me a long story.", WaitForDeltasAsync, cancellationToken);
        return new InterruptResult(duringTool, whileStreaming, grace, CliVersion(), firstTurnMs);
    }

    private static async Task<InterruptScenario> RunScenarioAsync(Bench bench, string name, string prompt, Func<Bench, int, CancellationToken, Task> untilRunning, CancellationToken cancellationToken)
    {
        var samples = new List<InterruptSample>();
        for (var i = 0; i <= Turns; i++)
        {
            Console.Error.WriteLine($"Interrupt {name}: {(i == 0 ? "warm-up" : $"{i} of {Turns}")}...");
            var sample = await bench.InterruptAsync(prompt, untilRunning, cancellationToken);
            Console.Error.WriteLine($"  stopped after {sample.StoppedMs:0} ms ({sample.StopReason}); 202 after {sample.AcceptedMs:0.0} ms; the CLI's result: " +
                $"{sample.CliResult ?? "not read"}; next turn {(sample.NextCompleted ? "completed" : "did not complete")}");
            if (i > 0)
            {
                samples.Add(sample);
            }
        }

        return new InterruptScenario(name, samples);
    }

    // The tool call is whole (its block complete) and its command has had a moment to start; it must still be running,
    // or the interrupt would not be one during a tool.
    private static async Task WaitForToolAsync(Bench bench, int from, CancellationToken cancellationToken)
    {
        var call = await bench.Events.WaitForAsync(from, e => e is BlockCompleteEvent { Block: ToolUseBlock { ToolName: "Bash" } }, "Bash tool call", TurnTimeout, cancellationToken);
        await Task.Delay(ToolSettle, cancellationToken);
        var toolUseId = ((ToolUseBlock)((BlockCompleteEvent)call.Event).Block).ToolUseId;
        if (bench.Events.Since(from).Any(r => r.Event is BlockCompleteEvent { Block: ToolResultBlock result } && result.ToolUseId == toolUseId))
        {
            throw new InvalidOperationException($"The Bash call {toolUseId} finished before the interrupt; the sandbox did not run it as expected.");
        }
    }

    private static Task WaitForDeltasAsync(Bench bench, int from, CancellationToken cancellationToken) =>
        bench.Events.WaitForAsync(from, e => e is BlockDeltaEvent, $"{DeltasBeforeInterrupt} text deltas", TurnTimeout, cancellationToken, nth: DeltasBeforeInterrupt);

    // The scripted model answers by the marker in the conversation's last message. The next message is checked first:
    // the CLI may carry an interrupted turn's prompt into the same user message as the next one.
    private static Reply? Answer(ModelRequest request)
    {
        var last = request.Messages.Count > 0 ? request.Messages[^1].ToJsonString() : "";
        if (last.Contains(NextMarker, StringComparison.Ordinal))
        {
            return Reply.Text("Back again.");
        }

        if (last.Contains(SleepMarker, StringComparison.Ordinal))
        {
            return Reply.ToolUse("Bash", new { command = "sleep 30", description = "Wait" });
        }

        return last.Contains(StreamMarker, StringComparison.Ordinal)
            ? Reply.Text(LongText).WithPieces(StreamPieces).WithChunkDelay(StreamChunkDelay)
            : Reply.Text("Done.");
    }

    private static async Task<string> CreateSessionAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/sessions", new CreateSessionBody("default", "claude-agent-sdk"), AgentRuntimeJsonContext.Default.CreateSessionBody, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, cancellationToken))!.SessionId;
    }

    private static string CliVersion()
    {
        var cli = new AgentCliLocator("claude").Find([AppContext.BaseDirectory, Environment.CurrentDirectory], null);
        var package = cli is null ? null : Path.Combine(Path.GetDirectoryName(cli)!, "..", "@anthropic-ai", "claude-code", "package.json");
        return package is not null && File.Exists(package) && JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>() is { } version
            ? version
            : "unknown";
    }

    /// <summary>The session under test and what the bench does with it.</summary>
    private sealed class Bench(HttpClient http, string sessionId, SessionEventStream events, InterruptLogMarks marks, TimeSpan grace)
    {
        public SessionEventStream Events => events;

        /// <summary>Sends a message; returns its turn and where in the stream its events start.</summary>
        public async Task<(string TurnId, int From)> SendAsync(string content, CancellationToken cancellationToken)
        {
            var from = events.Count;
            using var response = await http.PostAsJsonAsync($"api/sessions/{sessionId}/messages", new SendMessageBody(content), AgentRuntimeJsonContext.Default.SendMessageBody, cancellationToken);
            response.EnsureSuccessStatusCode();
            return ((await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.TurnAccepted, cancellationToken))!.TurnId, from);
        }

        /// <summary>The turn's terminal event (completed or failed) as received.</summary>
        public Task<SessionEventStream.Received> WaitForEndAsync(int from, string turnId, CancellationToken cancellationToken) =>
            events.WaitForAsync(from, e => e is TurnCompletedEvent c && c.TurnId == turnId || e is TurnFailedEvent f && f.TurnId == turnId,
                $"end of turn {turnId}", TurnTimeout, cancellationToken);

        public async Task<InterruptSample> InterruptAsync(string prompt, Func<Bench, int, CancellationToken, Task> untilRunning, CancellationToken cancellationToken)
        {
            var (turnId, from) = await SendAsync(prompt, cancellationToken);
            await untilRunning(this, from, cancellationToken);

            var start = Stopwatch.GetTimestamp();
            using (var response = await http.PostAsync($"api/sessions/{sessionId}/interrupt", null, cancellationToken))
            {
                var accepted = Stopwatch.GetTimestamp();
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"POST /interrupt answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                var ended = await WaitForEndAsync(from, turnId, cancellationToken);
                var stopReason = ended.Event switch
                {
                    TurnCompletedEvent c => c.StopReason ?? "(none)",
                    TurnFailedEvent f => $"failed: {f.Error}",
                    _ => "?",
                };

                // The next message, on the same CLI unless the interrupt had it stopped.
                var (nextTurn, nextFrom) = await SendAsync($"{NextMarker} Still there?", cancellationToken);
                var next = await WaitForEndAsync(nextFrom, nextTurn, cancellationToken);
                var nextEnd = next.Timestamp;
                var stopped = Ms(start, ended.Timestamp);
                return new InterruptSample(
                    Ms(start, accepted),
                    stopped,
                    At(InterruptLogMarks.Interrupting),
                    At(InterruptLogMarks.InterruptSent),
                    At(InterruptLogMarks.ResultRead),
                    stopReason,
                    HardStop: marks.First(InterruptLogMarks.Forced, start, ended.Timestamp) is not null || stopped >= grace.TotalMilliseconds,
                    NextCompleted: next.Event is TurnCompletedEvent { StopReason: null or "end_turn" },
                    CliRestarted: marks.First(InterruptLogMarks.CliStarting, start, nextEnd) is not null,
                    CliResult: marks.First(InterruptLogMarks.ResultRead, start, ended.Timestamp)?.Message);

                double? At((string, string) kind) => marks.First(kind, start, ended.Timestamp) is { } mark ? Ms(start, mark.Timestamp) : null;
            }
        }

        private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
    }
}
