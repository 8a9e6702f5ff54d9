using System.Collections.Concurrent;
using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

/// <summary>The real Gemini CLI asking permission over ACP, answered by the turn's approvals.</summary>
public sealed class GeminiCliApprovalTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_InAskMode_ThePersonsDecisionsRunOneToolAndRejectTheOther()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(
            GeminiReply.Shell("echo yes > shell.txt"),
            GeminiReply.FunctionCall("write_file", new { file_path = Path.Combine(gemini.Sandbox.WorkspacePath, "w.txt"), content = "no" }),
            GeminiReply.Text("Done."));
        await using var connection = await gemini.ConnectAsync(permissionMode: PermissionMode.Ask);
        var asked = new ConcurrentQueue<ToolApprovalRequest>();
        var approvals = new DecidingApprovals(request =>
        {
            asked.Enqueue(request);
            return request.ToolName == "run_shell_command"
                ? new ToolApprovalDecision { Allow = true }
                : new ToolApprovalDecision { Allow = false, Message = "Leave w.txt alone." };
        });

        var events = new List<SessionEvent>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(GeminiSession.TurnTimeout);
        await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Write two files") { Approvals = approvals }, deadline.Token).SelectMany(batch => batch))
        {
            events.Add(e);
        }

        Assert.Equal(["run_shell_command", "write_file"], asked.Select(r => r.ToolName));
        Assert.All(asked, r => Assert.NotEmpty(r.Options));
        Assert.Equal("yes\n"u8.ToArray(), await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "shell.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.Null(await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "w.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token));
        var projection = TurnEvents.Project(events);
        var write = projection.Blocks.OfType<ToolUseBlock>().Single(t => t.ToolName == "write_file");
        Assert.Equal(ToolStatus.Error, write.Status);
        Assert.Contains("Leave w.txt alone.", Assert.IsType<ToolResultBlock>(projection.GetBlock($"{write.ToolUseId}:result")).Output, StringComparison.Ordinal);
    }

    private sealed class DecidingApprovals(Func<ToolApprovalRequest, ToolApprovalDecision> decide) : IToolApprovals
    {
        public ToolApprovalTicket Request(ToolApprovalRequest request) => new([], Task.FromResult(decide(request)));
    }
}
