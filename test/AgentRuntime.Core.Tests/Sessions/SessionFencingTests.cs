using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>Two nodes holding one session: the one that did not write last stops writing.</summary>
public sealed class SessionFencingTests : IAsyncDisposable
{
    private readonly SessionHarness _node = new(options => options.ApprovalTimeout = TimeSpan.FromMinutes(2));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherNodeWroteTheSessionsLog_TheTurnHereEndsUnloggedTheActorStopsWritingAndUnloads()
    {
        var session = await _node.CreateSessionAsync(Token);
        var id = session.SessionId;
        var events = _node.Collect(id, Token);
        await _node.Manager.UpdateOptionsAsync(id, new SessionOptionsUpdate { PermissionMode = PermissionMode.Ask }, Token);
        await _node.Manager.SendMessageAsync(id, "ask Bash deploy", Token);
        await SessionHarness.WaitUntilAsync(() => events.OfType<ApprovalRequestedEvent>().Any(), Token);
        var requested = events.OfType<ApprovalRequestedEvent>().Single();

        // Another node, taking this one for dead, loads the session: it expires the approval and fails the turn.
        await using var other = new SessionHarness(store: _node.Store);
        await other.Manager.GetSessionAsync(id, Token);
        var written = await _node.Manager.ReadEventsAsync(id, 0, Token);
        Assert.Contains(written, e => e is TurnFailedEvent);

        // This node's next write is refused; the agent got the answer, so its turn goes on, and can log nothing.
        await Assert.ThrowsAsync<EventLogConflictException>(() => _node.Manager.AnswerApprovalAsync(
            id, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow }, "key-1", Token).WaitAsync(SessionHarness.Timeout, Token));
        var detail = await _node.Manager.GetSessionAsync(id, Token);
        for (var deadline = DateTime.UtcNow + SessionHarness.Timeout; detail.TurnState != TurnState.Idle || detail.Runtime.Sandbox?.Status != SandboxStatus.Terminated;)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The turn is {detail.TurnState}, the sandbox {detail.Runtime.Sandbox?.Status}.");
            await Task.Delay(10, Token);
            detail = await _node.Manager.GetSessionAsync(id, Token);
        }

        Assert.Equal(written.Select(e => e.Seq), (await _node.Manager.ReadEventsAsync(id, 0, Token)).Select(e => e.Seq));
        // Nor did the turn store the agent's transcript, which it does at a turn's end: the other node's now too.
        Assert.Empty(await _node.Store.LoadTranscriptAsync(id, Token));
        await Assert.ThrowsAsync<EventLogConflictException>(() => _node.Manager.SendMessageAsync(id, "again", Token).WaitAsync(SessionHarness.Timeout, Token));

        // Idle, with its subscribers ended: it unloads as any idle session, and the next load reads the other node's log.
        _node.Time.Advance(_node.Options.SessionIdleTimeout);
        await _node.Manager.UnloadIdleSessionsAsync();
        var reloaded = await _node.Manager.GetSessionAsync(id, Token);
        Assert.Equal(written[^1].Seq, reloaded.LastSeq);
        Assert.Equal(SessionActor.ServerRestartedCode, reloaded.Blocks.OfType<ErrorBlock>().Single().Code);
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
