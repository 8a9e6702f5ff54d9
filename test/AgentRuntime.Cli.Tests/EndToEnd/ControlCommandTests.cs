using System.Text.Json;
using AgentRuntime.Approvals;
using AgentRuntime.Cli.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Cli.Tests.EndToEnd;

public sealed class ControlCommandTests(ServerFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task Approval_NotInteractive_SendPrintsHowToAnswer_AndApproveLetsTheToolRun()
    {
        var sessionId = await AskingSessionAsync();
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "touch approved.txt" }, id: "toolu_cli_ok"), Reply.Text("Done it."));
        var noneYet = await RunAsync("approve", sessionId);

        var send = Start(["send", sessionId, "Touch it"]);
        await send.WaitForOutputAsync($"answer with: agent-runtime approve {sessionId} ");
        var approve = await RunAsync("approve", sessionId);

        Assert.Equal(1, await noneYet.ExitCodeAsync());
        Assert.Contains($"No approval is pending in session {sessionId}.", noneYet.Error, StringComparison.Ordinal);
        Assert.Equal(0, await approve.ExitCodeAsync());
        Assert.StartsWith("Allowed ap_", approve.Output, StringComparison.Ordinal);
        Assert.Equal(0, await send.ExitCodeAsync());
        var lines = send.Output.Split('\n');
        var asked = Array.FindIndex(lines, l => l.StartsWith("? Bash asks for approval: touch approved.txt", StringComparison.Ordinal));
        Assert.True(asked > 0, send.ToString());
        Assert.Contains("✓ allowed", lines.Skip(asked));
        Assert.Contains("✓ Bash  touch approved.txt", lines.Skip(asked));
        Assert.Contains(await Client.ListFilesAsync(sessionId, Ct), f => f.Path == "approved.txt");
    }

    [Fact]
    public async Task Approval_Interactive_TheAnswerAlwaysAllowsTheToolForTheSession()
    {
        var sessionId = await AskingSessionAsync();
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "touch asked.txt" }, id: "toolu_cli_always"), Reply.Text("Touched."));

        // The key is typed before the question comes; the prompt reads it when it asks.
        var send = Start(["send", sessionId, "Touch it"], interactive: true, keys: "a");

        Assert.Equal(0, await send.ExitCodeAsync());
        Assert.Contains("Allow Bash? (y = yes, n = no, a = always for this session) [y/n/a]: a", send.Output, StringComparison.Ordinal);
        Assert.Contains("✓ allowed for the rest of the session", send.Output, StringComparison.Ordinal);
        Assert.Contains("✓ Bash  touch asked.txt", send.Output, StringComparison.Ordinal);
        Assert.Contains("Bash", (await Client.GetSessionAsync(sessionId, Ct)).Options.AllowedTools);
    }

    [Fact]
    public async Task Deny_WithAMessage_TheAgentIsToldAndTheToolDoesNotRun()
    {
        var sessionId = await AskingSessionAsync();
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "touch denied.txt" }, id: "toolu_cli_no"), Reply.Text("Understood."));

        var send = Start(["--json", "send", sessionId, "Touch it"]);
        await send.WaitForOutputAsync("\"type\":\"session:approval:requested\"");
        var approvalId = Assert.Single((await Client.GetSessionAsync(sessionId, Ct)).PendingApprovals).ApprovalId;
        var deny = await RunAsync("--json", "deny", sessionId, approvalId, "--message", "Not in this folder.");
        var again = await RunAsync("approve", sessionId, approvalId);

        Assert.Equal(0, await deny.ExitCodeAsync());
        var resolved = Assert.IsType<ApprovalResolvedEvent>(JsonSerializer.Deserialize(deny.Output, AgentRuntimeJsonContext.Default.SessionEvent));
        Assert.Equal((ApprovalDecisionKind.Deny, "Not in this folder."), (resolved.Decision, resolved.Message));
        Assert.Equal(1, await again.ExitCodeAsync());
        Assert.Contains("already", again.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await send.ExitCodeAsync());
        Assert.Contains($"answer with: agent-runtime approve {sessionId} {approvalId}", send.Error, StringComparison.Ordinal);
        Assert.True(Model.ConversationRequests[^1].MessagesContain("Not in this folder."));
        Assert.DoesNotContain(await Client.ListFilesAsync(sessionId, Ct), f => f.Path == "denied.txt");
    }

    [Fact]
    public async Task CtrlC_DuringSend_InterruptsTheTurnFirst_ThenExits130()
    {
        var sessionId = await NewSessionAsync();
        // No reply after the call: an interrupted turn never asks the model again, and the tests share its script.
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 30" }, id: "toolu_cli_long"));
        var idle = await RunAsync("interrupt", sessionId);

        var send = Start(["send", sessionId, "Sleep"]);
        await send.WaitForOutputAsync("⋯ Bash  sleep 30");
        send.PressCtrlC();

        Assert.Equal(ExitCodes.Interrupted, await send.ExitCodeAsync());
        Assert.Contains("⏹ interrupted", send.Output, StringComparison.Ordinal);
        Assert.Contains("Interrupting the turn", send.Error, StringComparison.Ordinal);
        Assert.Equal(TurnState.Idle, (await Client.GetSessionAsync(sessionId, Ct)).TurnState);
        Assert.Equal(1, await idle.ExitCodeAsync());
        Assert.Contains($"No turn is running in session {sessionId}.", idle.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InterruptCommand_StopsAnotherClientsTurn_WhichAttachShows()
    {
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 30" }, id: "toolu_cli_long2"));
        var attach = Start(["attach", sessionId]);
        await Client.SendMessageAsync(sessionId, "Sleep", Ct);
        await attach.WaitForOutputAsync("⋯ Bash  sleep 30");

        var interrupt = await RunAsync("interrupt", sessionId);
        await attach.WaitForOutputAsync("⏹ interrupted");
        attach.PressCtrlC();

        Assert.Equal(0, await interrupt.ExitCodeAsync());
        Assert.StartsWith("Interrupting turn ", interrupt.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Interrupted, await attach.ExitCodeAsync());
        Assert.Contains($"agent-runtime attach {sessionId} --after ", attach.Error, StringComparison.Ordinal);
    }

    private async Task<string> AskingSessionAsync()
    {
        var sessionId = await NewSessionAsync();
        await Client.UpdateOptionsAsync(sessionId, new SessionOptionsUpdate { PermissionMode = PermissionMode.Ask }, Ct);
        return sessionId;
    }
}
