using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRuntime.Api;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>Interrupt, approvals and session options through REST and the hub, with the real Claude Code CLI.</summary>
public sealed class ControlTests : ServerTest
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Interrupt_DuringALongTool_EndsTheTurnInterruptedAndTheNextMessageContinues()
    {
        var session = await Server.CreateSessionAsync();
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 30", description = "Wait" }, id: "toolu_sleep"), Reply.Text("Back again."));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Wait a while");
        await events.WaitForAsync<BlockCompleteEvent>(e => e.Block is ToolUseBlock { ToolUseId: "toolu_sleep" });
        await Task.Delay(500, Token);

        var watch = Stopwatch.StartNew();
        var response = await Server.Http.PostAsync($"/api/sessions/{session.SessionId}/interrupt", null, Token);
        var completed = await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        var stopped = watch.Elapsed;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(turnId, (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.InterruptAccepted, Token))!.TurnId);
        Assert.Equal("interrupted", completed.StopReason);
        TestContext.Current.SendDiagnosticMessage($"The turn stopped {stopped.TotalMilliseconds:F0} ms after the interrupt request.");
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"the turn took {stopped} to stop");
        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(TurnState.Idle, detail.TurnState);
        Assert.DoesNotContain(detail.Blocks.OfType<ToolUseBlock>(), b => b.Status is ToolStatus.Running or ToolStatus.Pending);

        var again = await Server.Http.PostAsync($"/api/sessions/{session.SessionId}/interrupt", null, Token);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("no turn to interrupt", await again.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

        var next = await Server.SendMessageAsync(session.SessionId, "Still there?");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == next);
        Assert.Equal("Back again.", (await Server.GetSessionAsync(session.SessionId)).Blocks.OfType<AssistantTextBlock>().Last().Content);
        Assert.Contains("Wait a while", JsonSerializer.Serialize(Model.ConversationRequests[^1].Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_AnsweredFromASecondClientAfterTheFirstLeft_RunsTheToolOnce()
    {
        var session = await Server.CreateSessionAsync();
        var options = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}/options", new { permissionMode = "ask" }, Token);
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "echo approved > approved.txt", description = "Write" }, id: "toolu_ask"), Reply.Text("Written."));
        var first = Server.CreateHubConnection();
        await first.StartAsync(Token).WaitAsync(RunningServer.Timeout, Token);
        var firstEvents = new EventCollector(ct => first.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Write the file");
        var requested = await firstEvents.WaitForAsync<ApprovalRequestedEvent>();
        await firstEvents.DisposeAsync();
        await first.DisposeAsync();

        // A second device: it learns of the approval from the session, and answers through its own hub connection.
        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(TurnState.AwaitingApproval, detail.TurnState);
        Assert.Equal(requested.ApprovalId, Assert.Single(detail.PendingApprovals).ApprovalId);
        Assert.Equal(ToolStatus.AwaitingApproval, detail.Blocks.OfType<ToolUseBlock>().Single().Status);
        var second = await SubscribeHubAsync(session.SessionId, requested.Seq);
        var hub = Server.CreateHubConnection();
        await hub.StartAsync(Token).WaitAsync(RunningServer.Timeout, Token);
        var resolved = await hub.InvokeAsync<SessionEvent>("AnswerApproval", session.SessionId, requested.ApprovalId, new AnswerApprovalBody("allow"), Token);
        await hub.DisposeAsync();

        var logged = Assert.IsType<ApprovalResolvedEvent>(resolved);
        Assert.Equal((ApprovalDecisionKind.Allow, requested.ApprovalId), (logged.Decision, logged.ApprovalId));
        var adminKey = Server.AdminKey!;
        Assert.Equal($"key:{adminKey[3..adminKey.IndexOf('.')]}", logged.By);
        await second.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        Assert.Equal("approved\n", await File.ReadAllTextAsync(Path.Combine(DataDirectory, "sandboxes", session.SessionId, "workspace", "approved.txt"), Token));
        var twice = await AnswerAsync(session.SessionId, requested.ApprovalId, new { decision = "deny" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Empty((await Server.GetSessionAsync(session.SessionId)).PendingApprovals);
    }

    [Fact]
    public async Task Approval_Denied_ReachesTheModelAndTheToolNeverRuns()
    {
        var session = await Server.CreateSessionAsync();
        await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}/options", new { permissionMode = "ask" }, Token);
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "echo no > denied.txt", description = "Write" }), Reply.Text("Understood."));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Write the file");
        var requested = await events.WaitForAsync<ApprovalRequestedEvent>();

        var response = await AnswerAsync(session.SessionId, requested.ApprovalId, new { decision = "deny", message = "Do not write files here." });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        Assert.False(File.Exists(Path.Combine(DataDirectory, "sandboxes", session.SessionId, "workspace", "denied.txt")));
        Assert.Contains("Do not write files here.", string.Join("\n", Model.ConversationRequests[^1].Messages.Select(m => m.ToJsonString())), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"decision":"maybe"}""", "'decision' must be")]
    [InlineData("""{}""", "'decision' must be")]
    [InlineData("""{"decision":"allow","remember":"forever"}""", "'remember' can only be")]
    [InlineData("""{"decision":"allow","updatedInput":"rm -rf /"}""", "'updatedInput' must be a JSON object")]
    [InlineData("""{"decision":"allow","updatedInput":[1]}""", "'updatedInput' must be a JSON object")]
    [InlineData("""[1,2]""", "")]
    public async Task Answer_Malformed_Is400AndDecidesNothing(string body, string message)
    {
        var session = await Server.CreateSessionAsync();

        var response = await Server.Http.PostAsync($"/api/sessions/{session.SessionId}/approvals/ap_x", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_UnknownApproval_Is404()
    {
        var session = await Server.CreateSessionAsync();

        var response = await AnswerAsync(session.SessionId, "ap_unknown", new { decision = "allow" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"permissionMode":"yolo"}""", "'permissionMode' must be")]
    [InlineData("""{"model":42}""", "'model' must be a string")]
    [InlineData("""{"temperature":1}""", "'temperature' is not a session option")]
    [InlineData("""{"model":"a\u0000b"}""", "model must be a model name")]
    public async Task UpdateOptions_Malformed_Is400AndChangesNothing(string body, string message)
    {
        var session = await Server.CreateSessionAsync();

        var response = await Server.Http.PatchAsync($"/api/sessions/{session.SessionId}/options", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(new SessionOptions().Model, (await Server.GetSessionAsync(session.SessionId)).Options.Model);
    }

    [Fact]
    public async Task UpdateOptions_Model_ReachesTheModelOnTheNextTurn()
    {
        var session = await Server.CreateSessionAsync();
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("First."), Reply.Text("Second."));
        var first = await Server.SendMessageAsync(session.SessionId, "one");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == first);

        var response = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}/options", new { model = "claude-scripted-other" }, Token);
        var second = await Server.SendMessageAsync(session.SessionId, "two");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == second);

        Assert.Equal("claude-scripted-other", (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionOptions, Token))!.Model);
        Assert.NotEqual("claude-scripted-other", Model.ConversationRequests[0].Model);
        Assert.Equal("claude-scripted-other", Model.ConversationRequests[^1].Model);
        Assert.Contains(events.Events, e => e is OptionsUpdateEvent { Options.Model: "claude-scripted-other" });
        Assert.Contains("one", JsonSerializer.Serialize(Model.ConversationRequests[^1].Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_WhileAnApprovalWaits_ComesBackWithItExpiredAndTheTurnFailed()
    {
        var session = await Server.CreateSessionAsync();
        await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}/options", new { permissionMode = "ask" }, Token);
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.ToolUse("Bash", new { command = "echo later > later.txt", description = "Write" }));
        await Server.SendMessageAsync(session.SessionId, "Write the file");
        var requested = await events.WaitForAsync<ApprovalRequestedEvent>();

        await RestartServerAsync();

        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Empty(detail.PendingApprovals);
        Assert.Equal(TurnState.Idle, detail.TurnState);
        Assert.Contains(detail.Blocks.OfType<ErrorBlock>(), b => b.Code == "server_restarted");
        Assert.Equal(HttpStatusCode.Conflict, (await AnswerAsync(session.SessionId, requested.ApprovalId, new { decision = "allow" })).StatusCode);
    }

    private Task<HttpResponseMessage> AnswerAsync(string sessionId, string approvalId, object body) =>
        Server.Http.PostAsJsonAsync($"/api/sessions/{sessionId}/approvals/{approvalId}", body, Token);
}
