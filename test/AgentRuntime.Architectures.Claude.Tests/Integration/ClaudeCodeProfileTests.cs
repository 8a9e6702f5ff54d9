using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Blocks;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

public sealed class ClaudeCodeProfileTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_ProfileModelAndSystemPrompt_ReachTheModel()
    {
        await using var claude = await ClaudeSession.StartAsync(o => o.Model = "claude-configured");
        claude.Model.Enqueue(Reply.Text("ok"));
        var profile = ClaudeSession.Profile with { Model = "claude-from-profile", SystemPrompt = "Always answer in haiku." };
        await using var connection = await claude.ConnectAsync(profile: profile);

        await ClaudeSession.RunTurnAsync(connection, "hello");

        var request = claude.Model.ConversationRequests.Single();
        Assert.Equal("claude-from-profile", request.Model);
        Assert.Contains("Always answer in haiku.", request.System, StringComparison.Ordinal);
        Assert.Equal("sk-scripted", request.Headers["x-api-key"]);
    }

    [Fact]
    public async Task RunTurn_ProfileAllowingOnlyWrite_DeniesBashAndRunsWrite()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo no > bash.txt" }, id: "toolu_bash")
                .AndToolUse("Write", new { file_path = Path.Combine(claude.Sandbox.WorkspacePath, "w.txt"), content = "yes" }, id: "toolu_write"),
            Reply.Text("Done."));
        await using var connection = await claude.ConnectAsync(profile: ClaudeSession.Profile with { AllowedTools = ["Write"] });

        var projection = RecordedOutput.Project(await ClaudeSession.RunTurnAsync(connection, "Write two files"));

        Assert.True(Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_bash:result")).IsError);
        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_bash")).Status);
        Assert.Equal(ToolStatus.Success, Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_write")).Status);
        Assert.Null(await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "bash.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.NotNull(await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "w.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
    }
}
