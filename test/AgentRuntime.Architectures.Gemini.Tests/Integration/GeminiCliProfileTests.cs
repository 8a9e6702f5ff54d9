using AgentRuntime.Blocks;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

public sealed class GeminiCliProfileTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_ProfileModelAndSystemPrompt_ReachTheModel()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Text("ok"));
        var profile = GeminiSession.Profile with { Model = "gemini-2.5-pro", SystemPrompt = "Always answer in haiku." };
        await using var connection = await gemini.ConnectAsync(profile: profile);

        await GeminiSession.RunTurnAsync(connection, "hello");

        var request = gemini.Server.ConversationRequests.Single();
        Assert.Equal("gemini-2.5-pro", request.Model);
        Assert.Contains("Always answer in haiku.", request.SystemInstruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunTurn_ProfileAllowingOnlyWriteFile_RejectsTheShellAndRunsTheWrite()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(
            GeminiReply.Shell("echo no > shell.txt"),
            GeminiReply.FunctionCall("write_file", new { file_path = Path.Combine(gemini.Sandbox.WorkspacePath, "w.txt"), content = "yes" }),
            GeminiReply.Text("Done."));
        await using var connection = await gemini.ConnectAsync(profile: GeminiSession.Profile with { AllowedTools = ["write_file"] });

        var projection = TurnEvents.Project(await GeminiSession.RunTurnAsync(connection, "Write two files"));

        var tools = projection.Blocks.OfType<ToolUseBlock>().ToList();
        var shell = tools.Single(t => t.ToolName == "run_shell_command");
        var write = tools.Single(t => t.ToolName == "write_file");
        Assert.Equal((ToolStatus.Error, ToolStatus.Success), (shell.Status, write.Status));
        var rejected = Assert.IsType<ToolResultBlock>(projection.GetBlock($"{shell.ToolUseId}:result"));
        Assert.True(rejected.IsError);
        Assert.Contains("do not include 'run_shell_command'", rejected.Output, StringComparison.Ordinal);
        Assert.Null(await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "shell.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.Equal("yes"u8.ToArray(), await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "w.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.Equal("Done.", Assert.IsType<AssistantTextBlock>(projection.Blocks[^1]).Content);
    }
}
