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
    public async Task AnotherNodeWroteTheSessionsLog_TheWriteHereIsRefusedAndTheSessionIsReloadedAsTheOtherNodeLeftIt()
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

        // This node's next write is refused, and fences its actor.
        await Assert.ThrowsAsync<EventLogConflictException>(() => _node.Manager.AnswerApprovalAsync(
            id, requested.ApprovalId, new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow }, "key-1", Token).WaitAsync(SessionHarness.Timeout, Token));

        // The next command finds the session loaded again from the store, as the other node left it: the stale actor,
        // its turn and its sandbox are gone, and nothing of theirs reached the log or the stored transcript.
        var reloaded = await _node.Manager.GetSessionAsync(id, Token);
        Assert.Equal(written[^1].Seq, reloaded.LastSeq);
        Assert.Equal(TurnState.Idle, reloaded.TurnState);
        Assert.Equal(SessionActor.ServerRestartedCode, reloaded.Blocks.OfType<ErrorBlock>().Single().Code);
        Assert.Equal(written.Select(e => e.Seq), (await _node.Manager.ReadEventsAsync(id, 0, Token)).Select(e => e.Seq));
        Assert.Empty(await _node.Store.LoadTranscriptAsync(id, Token));
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
