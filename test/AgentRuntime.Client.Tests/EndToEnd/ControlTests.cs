using System.Net;
using System.Text.Json;
using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class ControlTests : ClientTest
{
    [Fact]
    public async Task Approval_FromTheSessionsPendingList_AnsweredWithAChangedInput_RunsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var options = await Client.UpdateOptionsAsync(session.SessionId, new SessionOptionsUpdate { PermissionMode = PermissionMode.Ask }, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var events = Collect(token => Client.SubscribeAsync(session.SessionId, 0, token));
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "touch asked.txt" }, id: "toolu_c"), Reply.Text("Ran it."));
        var turnId = await Client.SendMessageAsync(session.SessionId, "Run it", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<ApprovalRequestedEvent>();

        var pending = Assert.Single((await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct)).PendingApprovals);
        var resolved = await Client.AnswerApprovalAsync(session.SessionId, pending.ApprovalId,
            new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow, UpdatedInput = JsonElement.Parse("""{"command":"touch changed.txt"}""") }, ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        var again = await Assert.ThrowsAsync<AgentRuntimeApiException>(() =>
            Client.AnswerApprovalAsync(session.SessionId, pending.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Deny }, ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(PermissionMode.Ask, options.PermissionMode);
        Assert.Equal(ApprovalDecisionKind.Allow, resolved.Decision);
        Assert.True(resolved.Seq > pending.Seq);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var files = (await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct)).WorkspaceFiles.Select(f => f.Path);
        Assert.Equal(["changed.txt"], files);
    }

    [Fact]
    public async Task Interrupt_WithNoTurn_Is409AndDuringATurnEndsItInterrupted()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var idle = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.InterruptAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        var events = Collect(token => Client.SubscribeAsync(session.SessionId, 0, token));
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 30" }, id: "toolu_long"), Reply.Text("Done."));
        var turnId = await Client.SendMessageAsync(session.SessionId, "Wait", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<BlockCompleteEvent>(e => e.Block is ToolUseBlock);

        var interrupted = await Client.InterruptAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(HttpStatusCode.Conflict, idle.StatusCode);
        Assert.Equal(turnId, interrupted);
        Assert.Equal("interrupted", (await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId)).StopReason);
    }
}
