using System.Diagnostics;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

public sealed class ClaudeCodeFailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_ModelKeepsFailing_ThrowsTheApiErrorAsAgentError()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Respond(_ => Reply.Fail("scripted failure"));
        await using var connection = await claude.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeSession.RunTurnAsync(connection, "hello"));

        Assert.Equal("agent_error", error.Code);
        Assert.Contains("scripted failure", error.Message, StringComparison.Ordinal);
        Assert.False(connection.Exited.IsCompleted);
    }

    [Fact]
    public async Task RunTurn_CliKilledMidTurn_ThrowsAgentExitedAndTheConnectionEnds()
    {
        await using var claude = await ClaudeSession.StartAsync();
        // The Bash tool's shell is a child of the CLI: $PPID is the CLI itself.
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "kill -9 $PPID" }));
        await using var connection = await claude.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeSession.RunTurnAsync(connection, "die"));

        Assert.Equal("agent_exited", error.Code);
        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        await connection.Exited.WaitAsync(Bound, Token);
    }

    [Fact]
    public async Task RunTurn_CliCrashesWritingToStderr_ReportsTheTailOfStderr()
    {
        var script = Path.Combine(Path.GetTempPath(), $"crashing-claude-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nread line\necho 'Error: scripted crash' >&2\nexit 3\n", Token);
        if (!OperatingSystem.IsWindows())
        {
            // Readable and executable by others: the sandbox runs it as its own unprivileged user.
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        try
        {
            await using var claude = await ClaudeSession.StartAsync(o => o.CliPath = script);
            await using var connection = await claude.ConnectAsync();

            var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeSession.RunTurnAsync(connection, "hello"));

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
    public async Task RunTurn_CancelledDuringATool_InterruptsTheTurnAndTheNextTurnRuns()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 20; echo late > late.txt" }, id: "toolu_slow"), Reply.Text("Still here."));
        await using var connection = await claude.ConnectAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(ClaudeSession.TurnTimeout);
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("slow", "Run the slow command"), cancel.Token).SelectMany(batch => batch))
            {
                if (e is BlockCompleteEvent { Block: ToolUseBlock { ToolUseId: "toolu_slow" } })
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"cancelling took {watch.Elapsed}");
        Assert.False(connection.Exited.IsCompleted);
        var next = await ClaudeSession.RunTurnAsync(connection, "Are you there?");
        Assert.Equal("Still here.", next.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content);
        Assert.Null(await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "late.txt", Token).WaitAsync(Bound, Token));
    }

    [Fact]
    public async Task RunTurn_LongerThanTheTurnTimeout_ThrowsTurnTimeout()
    {
        await using var claude = await ClaudeSession.StartAsync(o => o.TurnTimeout = TimeSpan.FromSeconds(3));
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 20; echo late" }));
        await using var connection = await claude.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeSession.RunTurnAsync(connection, "Run the slow command"));

        Assert.Equal("turn_timeout", error.Code);
    }

    [Fact]
    public async Task ConnectAsync_NoApiKey_ThrowsMissingApiKeyWithoutStartingAnything()
    {
        await using var claude = await ClaudeSession.StartAsync();
        var architecture = new ClaudeCodeArchitecture(
            Microsoft.Extensions.Options.Options.Create(new ClaudeCodeOptions { CliPath = "/bin/false" }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ClaudeCodeArchitecture>.Instance);
        var context = new AgentConnectContext { Sandbox = claude.Sandbox, Session = RecordedOutput.Session(), Profile = ClaudeSession.Profile, Resume = false };

        var error = await Assert.ThrowsAsync<AgentException>(() => architecture.ConnectAsync(context, Token).WaitAsync(Bound, Token));

        Assert.Equal("missing_api_key", error.Code);
        Assert.Equal("No Anthropic API key is configured. Set AgentRuntime:Claude:ApiKey or ANTHROPIC_API_KEY.", error.Message);
        Assert.Empty(claude.Model.Requests);
    }

    [Fact]
    public async Task ConnectAsync_CliMissing_ThrowsCliNotFound()
    {
        await using var claude = await ClaudeSession.StartAsync(o => o.CliPath = "/nowhere/claude");

        var error = await Assert.ThrowsAsync<AgentException>(() => claude.ConnectAsync());

        Assert.Equal("cli_not_found", error.Code);
        Assert.Contains("/nowhere/claude", error.Message, StringComparison.Ordinal);
    }
}
