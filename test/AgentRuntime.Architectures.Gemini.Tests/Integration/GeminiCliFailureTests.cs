using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing.Gemini;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

public sealed class GeminiCliFailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_NoApiKey_ThrowsMissingApiKeyWithoutStartingAnything()
    {
        await using var gemini = await GeminiSession.StartAsync();
        var architecture = new GeminiCliArchitecture(Options.Create(new GeminiCliOptions { CliPath = "/bin/false" }), TimeProvider.System, NullLogger<GeminiCliArchitecture>.Instance);
        var context = new AgentConnectContext { Sandbox = gemini.Sandbox, Session = gemini.Session, Profile = GeminiSession.Profile, Resume = false };

        var error = await Assert.ThrowsAsync<AgentException>(() => architecture.ConnectAsync(context, Token).WaitAsync(Bound, Token));

        Assert.Equal("missing_api_key", error.Code);
        Assert.Equal("No Gemini API key is configured. Set AgentRuntime:Gemini:ApiKey or GEMINI_API_KEY.", error.Message);
        Assert.Empty(gemini.Server.Requests);
        Assert.Empty(await gemini.Sandbox.ListFilesAsync(SandboxRoot.Home, ".gemini", Token).WaitAsync(Bound, Token));
    }

    [Fact]
    public async Task ConnectAsync_CliMissing_ThrowsCliNotFound()
    {
        await using var gemini = await GeminiSession.StartAsync(o => o.CliPath = "/nowhere/gemini");

        var error = await Assert.ThrowsAsync<AgentException>(() => gemini.ConnectAsync());

        Assert.Equal("cli_not_found", error.Code);
        Assert.Contains("/nowhere/gemini", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_CliCrashesWritingToStderr_ReportsTheExitCodeAndTheTailOfStderr()
    {
        var script = Path.Combine(Path.GetTempPath(), $"crashing-gemini-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nread line\necho 'Error: scripted crash' >&2\nexit 3\n", Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        try
        {
            await using var gemini = await GeminiSession.StartAsync(o => o.CliPath = script);

            var error = await Assert.ThrowsAsync<AgentException>(() => gemini.ConnectAsync());

            Assert.Equal("agent_exited", error.Code);
            Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("Error: scripted crash", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task RunTurn_ModelAnswersWithAnError_ThrowsAgentErrorAndTheNextTurnRuns()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Fail("scripted failure"), GeminiReply.Text("Recovered."));
        await using var connection = await gemini.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => GeminiSession.RunTurnAsync(connection, "hello"));

        Assert.Equal("agent_error", error.Code);
        Assert.Contains("scripted failure", error.Message, StringComparison.Ordinal);
        Assert.False(connection.Exited.IsCompleted);
        Assert.Equal("Recovered.", TurnEvents.LastText(await GeminiSession.RunTurnAsync(connection, "again")));
    }

    [Fact]
    public async Task RunTurn_CancelledDuringAShellCommand_CancelsTheTurnAndTheNextTurnRuns()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Shell("sleep 20; echo late > late.txt"), GeminiReply.Text("Still here."));
        await using var connection = await gemini.ConnectAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(GeminiSession.TurnTimeout);
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("slow", "Run the slow command"), cancel.Token).SelectMany(batch => batch))
            {
                if (e is BlockStartEvent { Block: ToolUseBlock })
                {
                    await Task.Delay(500, Token);
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"cancelling took {watch.Elapsed}");
        Assert.False(connection.Exited.IsCompleted);
        Assert.Equal("Still here.", TurnEvents.LastText(await GeminiSession.RunTurnAsync(connection, "Are you there?")));
        Assert.Null(await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "late.txt", Token).WaitAsync(Bound, Token));
    }

    [Fact]
    public async Task RunTurn_LongerThanTheTurnTimeout_ThrowsTurnTimeout()
    {
        await using var gemini = await GeminiSession.StartAsync(o => o.TurnTimeout = TimeSpan.FromSeconds(3));
        gemini.Server.Enqueue(GeminiReply.Shell("sleep 20; echo late"));
        await using var connection = await gemini.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => GeminiSession.RunTurnAsync(connection, "Run the slow command"));

        Assert.Equal("turn_timeout", error.Code);
        Assert.False(connection.Exited.IsCompleted);
    }
}
