using System.Text.Json;
using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

public sealed class SessionControlTests : IAsyncDisposable
{
    private readonly SessionHarness _harness = new(options => options.ApprovalTimeout = TimeSpan.FromMinutes(2));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SessionManager Manager => _harness.Manager;

    [Fact]
    public async Task Interrupt_WhileTheAgentWorks_EndsTheTurnInterruptedAndClosesWhatItLeftOpen()
    {
        var session = await _harness.CreateSessionAsync(Token);
        var events = _harness.Collect(session.SessionId, Token);
        var turnId = await Manager.SendMessageAsync(session.SessionId, "hold", Token);
        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is BlockStartEvent { Block: ToolUseBlock }), Token);

        Assert.Equal(turnId, await Manager.InterruptAsync(session.SessionId, Token).WaitAsync(SessionHarness.Timeout, Token));

        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);
        Assert.Equal("interrupted", events.OfType<TurnCompletedEvent>().Single().StopReason);
        Assert.Empty(events.OfType<TurnFailedEvent>());
        var detail = await Manager.GetSessionAsync(session.SessionId, Token);
        Assert.Equal(ToolStatus.Error, detail.Blocks.OfType<ToolUseBlock>().Single().Status);
        Assert.Equal("holding", detail.Blocks.OfType<AssistantTextBlock>().Single().Content);
        Assert.Contains(events, e => e is BlockCompleteEvent { Block: AssistantTextBlock { Content: "holding" } });
        Assert.Equal(TurnState.Idle, detail.TurnState);

        await _harness.SendAndWaitAsync(session.SessionId, "next", events, Token);
        Assert.Equal("echo #2: next", (await Manager.GetSessionAsync(session.SessionId, Token)).Blocks.OfType<AssistantTextBlock>().Last().Content);
        Assert.Equal(1, _harness.Architecture.Connections);
    }

    [Fact]
    public async Task Interrupt_WithNoTurn_IsRefused()
    {
        var session = await _harness.CreateSessionAsync(Token);

        await Assert.ThrowsAsync<NoTurnRunningException>(() => Manager.InterruptAsync(session.SessionId, Token));
    }

    [Fact]
    public async Task Approval_InAskMode_WaitsInTheLogAndRunsTheToolWithTheAnswersInput()
    {
        var (session, events, requested) = await AskAsync("ask Bash rm -rf /");

        var waiting = await Manager.GetSessionAsync(session.SessionId, Token);
        Assert.Equal(TurnState.AwaitingApproval, waiting.TurnState);
        Assert.Equal(requested.ApprovalId, Assert.Single(waiting.PendingApprovals).ApprovalId);
        Assert.Equal(("Bash", "rm -rf /"), (requested.ToolName, requested.Input.GetProperty("command").GetString()));
        Assert.Equal(ToolStatus.AwaitingApproval, waiting.Blocks.OfType<ToolUseBlock>().Single().Status);
        Assert.True(events.OfType<BlockStartEvent>().Single(e => e.Block is ToolUseBlock).Seq < requested.Seq);

        var resolved = await Manager.AnswerApprovalAsync(session.SessionId, requested.ApprovalId,
            new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow, UpdatedInput = JsonElement.Parse("""{"command":"ls"}""") }, "key-1", Token);

        Assert.Equal(("key-1", ApprovalDecisionKind.Allow), (resolved.By, resolved.Decision));
        Assert.True(resolved.Seq > requested.Seq);
        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);
        var done = await Manager.GetSessionAsync(session.SessionId, Token);
        Assert.Equal("echo #1: ran ls", done.Blocks.OfType<AssistantTextBlock>().Single().Content);
        Assert.Empty(done.PendingApprovals);
        await Assert.ThrowsAsync<ApprovalAlreadyResolvedException>(() =>
            Manager.AnswerApprovalAsync(session.SessionId, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Deny }, "key-2", Token));
        await Assert.ThrowsAsync<ApprovalNotFoundException>(() =>
            Manager.AnswerApprovalAsync(session.SessionId, "ap_unknown", new ApprovalAnswer { Decision = ApprovalDecisionKind.Deny }, "key-2", Token));
    }

    [Fact]
    public async Task Approval_Denied_TellsTheAgentWhy()
    {
        var (session, events, requested) = await AskAsync("ask Write notes.md");

        await Manager.AnswerApprovalAsync(session.SessionId, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Deny, Message = "not today" }, "key-1", Token);

        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);
        Assert.Equal("echo #1: denied: not today", (await Manager.GetSessionAsync(session.SessionId, Token)).Blocks.OfType<AssistantTextBlock>().Single().Content);
    }

    [Fact]
    public async Task Approval_NobodyAnswers_IsDeniedAtItsTimeout()
    {
        var (session, events, requested) = await AskAsync("ask Bash make");
        Assert.Equal(_harness.Time.GetUtcNow() + TimeSpan.FromMinutes(2), requested.ExpiresAt);

        _harness.Time.Advance(TimeSpan.FromMinutes(2));

        var resolved = await WaitForAsync<ApprovalResolvedEvent>(events);
        Assert.Equal(("timeout", ApprovalDecisionKind.Deny), (resolved.By, resolved.Decision));
        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);
        Assert.StartsWith("echo #1: denied: Nobody answered", (await Manager.GetSessionAsync(session.SessionId, Token)).Blocks.OfType<AssistantTextBlock>().Single().Content);
    }

    [Fact]
    public async Task Approval_AllowedForTheSession_IsNotAskedAgain()
    {
        var (session, events, requested) = await AskAsync("ask Bash one");
        await Manager.AnswerApprovalAsync(session.SessionId, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow, Remember = true }, "key-1", Token);
        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);

        await _harness.SendAndWaitAsync(session.SessionId, "ask Bash two", events, Token);

        Assert.Single(events.OfType<ApprovalRequestedEvent>());
        var detail = await Manager.GetSessionAsync(session.SessionId, Token);
        Assert.Equal(["Bash"], detail.Options.AllowedTools);
        Assert.Equal("echo #2: ran two", detail.Blocks.OfType<AssistantTextBlock>().Last().Content);
    }

    [Fact]
    public async Task Approval_InRulesMode_AllowAndDenyRulesDecideAndTheRestAsks()
    {
        var profile = new AgentProfile
        {
            Id = "ruled",
            Name = "Ruled",
            Network = Sandboxes.SandboxNetworkPolicy.None,
            Permissions = new PermissionPolicy { Mode = PermissionMode.Rules, Allow = ["Bash(git *)"], Deny = ["Bash(rm *)"] },
        };
        var session = await _harness.CreateSessionAsync(Token, profile);
        var events = _harness.Collect(session.SessionId, Token);

        await _harness.SendAndWaitAsync(session.SessionId, "ask Bash git status", events, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "ask Bash rm -rf build", events, Token);
        await Manager.SendMessageAsync(session.SessionId, "ask Bash make", Token);
        var requested = await WaitForAsync<ApprovalRequestedEvent>(events);

        var answers = (await Manager.GetSessionAsync(session.SessionId, Token)).Blocks.OfType<AssistantTextBlock>().Select(b => b.Content).ToList();
        Assert.Equal("echo #1: ran git status", answers[0]);
        Assert.Equal("echo #2: denied: The session's permissions deny this tool call (rule 'Bash(rm *)').", answers[1]);
        Assert.Equal("make", requested.Input.GetProperty("command").GetString());
        Assert.Single(events.OfType<ApprovalRequestedEvent>());
    }

    [Fact]
    public async Task Approval_InAskMode_ToolsThatOnlyReadRunWithoutAsking()
    {
        var session = await _harness.CreateSessionAsync(Token);
        var events = _harness.Collect(session.SessionId, Token);
        await Manager.UpdateOptionsAsync(session.SessionId, new SessionOptionsUpdate { PermissionMode = PermissionMode.Ask }, Token);

        await _harness.SendAndWaitAsync(session.SessionId, "ask Read README.md", events, Token);

        Assert.Empty(events.OfType<ApprovalRequestedEvent>());
        Assert.Equal(PermissionMode.Ask, _harness.Architecture.LastContext!.PermissionMode);
    }

    [Fact]
    public async Task Interrupt_WhileAnApprovalWaits_DeniesItAndEndsTheTurnInterrupted()
    {
        var (session, events, requested) = await AskAsync("ask Bash deploy");

        await Manager.InterruptAsync(session.SessionId, Token);

        var resolved = await WaitForAsync<ApprovalResolvedEvent>(events);
        Assert.Equal((requested.ApprovalId, "interrupt", ApprovalDecisionKind.Deny), (resolved.ApprovalId, resolved.By, resolved.Decision));
        await SessionHarness.WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent), Token);
        Assert.Equal("interrupted", events.OfType<TurnCompletedEvent>().Single().StopReason);
    }

    [Fact]
    public async Task Load_AfterTheServerStoppedWhileAnApprovalWaited_ExpiresItAndFailsTheTurn()
    {
        var (session, events, requested) = await AskAsync("ask Bash deploy");

        // A second server on the same store, as after a kill: the first never ends its turn.
        await using var restarted = new SessionHarness(store: _harness.Store);
        var detail = await restarted.Manager.GetSessionAsync(session.SessionId, Token);

        Assert.Empty(detail.PendingApprovals);
        Assert.Equal(TurnState.Idle, detail.TurnState);
        Assert.Equal(SessionActor.ServerRestartedCode, detail.Blocks.OfType<ErrorBlock>().Single().Code);
        Assert.Equal(ToolStatus.Error, detail.Blocks.OfType<ToolUseBlock>().Single().Status);
        var log = await restarted.Manager.ReadEventsAsync(session.SessionId, requested.Seq, Token);
        var expired = Assert.Single(log.OfType<ApprovalResolvedEvent>());
        Assert.Equal((requested.ApprovalId, "restart"), (expired.ApprovalId, expired.By));
        Assert.True(expired.Seq < log.OfType<TurnFailedEvent>().Single().Seq);
        await Assert.ThrowsAsync<ApprovalAlreadyResolvedException>(() =>
            restarted.Manager.AnswerApprovalAsync(session.SessionId, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow }, "key-1", Token));
    }

    [Fact]
    public async Task UpdateOptions_ModelAndMode_ApplyFromTheNextTurnByRestartingTheAgent()
    {
        var session = await _harness.CreateSessionAsync(Token);
        var events = _harness.Collect(session.SessionId, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "one", events, Token);
        Assert.Equal((null, PermissionMode.Bypass), (_harness.Architecture.LastContext!.Profile.Model, _harness.Architecture.LastContext.PermissionMode));

        var options = await Manager.UpdateOptionsAsync(session.SessionId, new SessionOptionsUpdate { Model = "model-b", PermissionMode = PermissionMode.Ask }, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "two", events, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "three", events, Token);

        Assert.Equal(("model-b", PermissionMode.Ask), (options.Model, options.PermissionMode));
        Assert.Equal(("model-b", PermissionMode.Ask), (_harness.Architecture.LastContext.Profile.Model, _harness.Architecture.LastContext.PermissionMode));
        Assert.Equal(2, _harness.Architecture.Connections);
        Assert.Equal(options, Assert.Single(events.OfType<OptionsUpdateEvent>()).Options);
        Assert.Equal("echo #3: three", (await Manager.GetSessionAsync(session.SessionId, Token)).Blocks.OfType<AssistantTextBlock>().Last().Content);

        var reset = await Manager.UpdateOptionsAsync(session.SessionId, new SessionOptionsUpdate { Model = "", ClearPermissionMode = true }, Token);
        Assert.Equal(new SessionOptions(), reset with { AllowedTools = [] });
    }

    // A session in ask mode whose agent asks (the echo agent's "ask TOOL ARGUMENT"): the approval it waits on.
    private async Task<(SessionListItem Session, System.Collections.Concurrent.ConcurrentQueue<SessionEvent> Events, ApprovalRequestedEvent Requested)> AskAsync(string message)
    {
        var session = await _harness.CreateSessionAsync(Token);
        var events = _harness.Collect(session.SessionId, Token);
        await Manager.UpdateOptionsAsync(session.SessionId, new SessionOptionsUpdate { PermissionMode = PermissionMode.Ask }, Token);
        await Manager.SendMessageAsync(session.SessionId, message, Token);
        return (session, events, await WaitForAsync<ApprovalRequestedEvent>(events));
    }

    private async Task<T> WaitForAsync<T>(IEnumerable<SessionEvent> events)
        where T : SessionEvent
    {
        await SessionHarness.WaitUntilAsync(() => events.OfType<T>().Any(), Token);
        return events.OfType<T>().First();
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
