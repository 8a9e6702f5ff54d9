using System.Text.Json.Nodes;
using AgentRuntime.Approvals;
using AgentRuntime.Architectures.Acp.Tests.Support;
using AgentRuntime.Blocks;
using AgentRuntime.Events;

namespace AgentRuntime.Architectures.Acp.Tests.Connection;

/// <summary>Interrupting a turn with <c>session/cancel</c>, and permission requests answered by the turn's approvals.</summary>
public sealed class AcpConnectionControlTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true, "allow", ToolStatus.Success)]
    [InlineData(false, "reject", ToolStatus.Error)]
    public async Task PermissionRequest_OutsideBypass_WaitsForTheDecisionAndAnswersItsOption(bool allow, string optionId, ToolStatus status)
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync(permissionMode: PermissionMode.Ask);
        var approvals = new HeldApprovals();
        var seen = new List<SessionEvent>();
        var turn = Task.Run(async () =>
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Edit") { Approvals = approvals }, Token).SelectMany(batch => batch))
            {
                seen.Add(e);
            }
        }, Token);
        var prompt = await harness.Agent.ExpectAsync("session/prompt");

        await harness.Agent.RequestAsync(7, "session/request_permission", FakeAcpAgent.Permission("edit-1", "edit"));
        var request = await approvals.Asked.Task.WaitAsync(AcpAgentHarness.Bound, Token);
        Assert.Equal(("edit-1", "edit-1", "edit"), (request.BlockId, request.ToolUseId, request.ToolKind));
        Assert.Equal(["allow", "reject"], request.Options.Select(o => o.OptionId));
        approvals.Decide(new ToolApprovalDecision { Allow = allow, Message = "Not now." });
        var answer = (await harness.Agent.ReadAsync().WaitAsync(AcpAgentHarness.Bound, Token))!;
        if (allow)
        {
            await harness.Agent.UpdateAsync("acp-1", new JsonObject { ["sessionUpdate"] = "tool_call_update", ["toolCallId"] = "edit-1", ["status"] = "completed" });
        }

        await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" });
        await turn.WaitAsync(AcpAgentHarness.Bound, Token);

        Assert.Equal(7, answer["id"]!.GetValue<long>());
        Assert.Equal(optionId, answer["result"]!["outcome"]!["optionId"]!.GetValue<string>());
        var projection = Mapping.RecordedAcp.Project(seen);
        Assert.Equal(status, Assert.IsType<ToolUseBlock>(projection.GetBlock("edit-1")).Status);
        Assert.True(seen.FindIndex(e => e is BlockStartEvent { Block.Id: "edit-1" }) < seen.FindIndex(e => e is ApprovalRequestedEvent));
        if (!allow)
        {
            Assert.Equal("Not run: Not now.", Assert.IsType<ToolResultBlock>(projection.GetBlock("edit-1:result")).Output);
        }
    }

    [Fact]
    public async Task Interrupt_SendsSessionCancelAnswersWaitingRequestsCancelledAndEndsTheTurnNormally()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync(permissionMode: PermissionMode.Ask);
        var approvals = new HeldApprovals();
        var seen = new List<SessionEvent>();
        var turn = Task.Run(async () =>
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Work") { Approvals = approvals }, Token).SelectMany(batch => batch))
            {
                seen.Add(e);
            }
        }, Token);
        var prompt = await harness.Agent.ExpectAsync("session/prompt");
        await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "Working"));
        await harness.Agent.RequestAsync(9, "session/request_permission", FakeAcpAgent.Permission("shell-1", "execute"));
        await approvals.Asked.Task.WaitAsync(AcpAgentHarness.Bound, Token);

        await connection.InterruptAsync(Token).WaitAsync(AcpAgentHarness.Bound, Token);

        var cancel = await harness.Agent.ReadAsync().WaitAsync(AcpAgentHarness.Bound, Token);
        var answer = await harness.Agent.ReadAsync().WaitAsync(AcpAgentHarness.Bound, Token);
        Assert.Equal("session/cancel", cancel!["method"]!.GetValue<string>());
        Assert.Equal("cancelled", answer!["result"]!["outcome"]!["outcome"]!.GetValue<string>());
        await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "cancelled" });
        await turn.WaitAsync(AcpAgentHarness.Bound, Token);
        Assert.Contains(seen, e => e is BlockDeltaEvent);
        Assert.False(harness.Process.Killed);
    }

    // Records the request and holds its decision until the test gives one.
    private sealed class HeldApprovals : IToolApprovals
    {
        private readonly TaskCompletionSource<ToolApprovalDecision> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<ToolApprovalRequest> Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Decide(ToolApprovalDecision decision) => _decision.SetResult(decision);

        public ToolApprovalTicket Request(ToolApprovalRequest request)
        {
            Asked.TrySetResult(request);
            var requested = new ApprovalRequestedEvent { ApprovalId = "ap_1", TurnId = "t1", ConversationId = request.ConversationId, BlockId = request.BlockId, ToolName = request.ToolName, Input = request.Input };
            return new ToolApprovalTicket([requested], _decision.Task);
        }
    }
}
