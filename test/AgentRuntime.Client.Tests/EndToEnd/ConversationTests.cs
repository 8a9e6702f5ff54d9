using System.Net;
using AgentRuntime.Blocks;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class ConversationTests : ClientTest
{
    [Fact]
    public async Task Conversation_CreateSubscribeSendGetDelete_StreamsBlocksAndEndsWithTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", "client test", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(TurnState.Idle, session.TurnState);
        Assert.Equal("client test", session.Name);
        var events = Collect(token => Client.SubscribeAsync(session.SessionId, 0, token));
        Model.Enqueue(Reply.Text("Hello from the scripted model, in several pieces.").WithPieces(5));

        var turnId = await Client.SendMessageAsync(session.SessionId, "Say hello", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        // The server may log more after the turn (a sandbox status, say): read the detail, then what was streamed up to it.
        var detail = await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<SessionEvent>(e => e.Seq == detail.LastSeq);
        var seen = events.Items;
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Seq));
        Assert.Equal(turnId, Assert.IsType<TurnStartedEvent>(seen[0]).TurnId);
        Assert.Contains(seen.OfType<BlockCompleteEvent>(), e => e.Block is UserMessageBlock { Content: "Say hello" });
        var text = seen.OfType<BlockStartEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Single();
        Assert.True(seen.OfType<BlockDeltaEvent>().Count(d => d.BlockId == text.Id) >= 2, "the text should stream in pieces");
        Assert.Contains(seen.OfType<MetadataUpdateEvent>(), e => e.Metadata.Usage.OutputTokens > 0);
        Assert.Contains(detail.Blocks, b => b is AssistantTextBlock { Content: "Hello from the scripted model, in several pieces." });
        var logged = await Client.GetEventsAsync(session.SessionId, 0, ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(logged.Take(seen.Count).Select(e => (e.Seq, e.GetType())), seen.Select(e => (e.Seq, e.GetType())));
        Assert.Contains(await Client.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct), s => s.SessionId == session.SessionId);

        await Client.DeleteSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);

        await events.Completion.WaitAsync(RuntimeServer.Timeout, ct);
        var missing = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task SubscribeAfterSeq_OnAFinishedTurn_YieldsOnlyTheLaterEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        Model.Enqueue(Reply.Text("Done."));
        var all = Collect(token => Client.SubscribeAsync(session.SessionId, 0, token));
        var turnId = await Client.SendMessageAsync(session.SessionId, "Go", ct).WaitAsync(RuntimeServer.Timeout, ct);
        var completed = await all.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        var late = Collect(token => Client.SubscribeAsync(session.SessionId, 3, token));
        await late.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        // Anything logged after the turn (a sandbox status, say) may follow; up to the turn's end it must be exactly 4..N.
        Assert.Equal(Enumerable.Range(4, (int)completed.Seq - 3).Select(i => (long)i), late.Items.Select(e => e.Seq).TakeWhile(seq => seq <= completed.Seq));
    }

    [Fact]
    public async Task SubscribeSessionList_CreateAndDelete_YieldsCreatedAndDeletedChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var changes = Collect(Client.SubscribeSessionListAsync);
        // The hub registers the list subscriber asynchronously; a session created before that would go unseen.
        await WaitForListSubscriptionAsync(changes, Client, ct);

        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var created = await changes.WaitForAsync<SessionListChange>(c => c.Kind == SessionListChangeKind.Created && c.SessionId == session.SessionId);
        await Client.DeleteSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var deleted = await changes.WaitForAsync<SessionListChange>(c => c.Kind == SessionListChangeKind.Deleted && c.SessionId == session.SessionId);

        Assert.Equal("claude-agent-sdk", created.Session?.Architecture);
        Assert.Null(deleted.Session);
    }

    [Fact]
    public async Task Subscribe_UnknownSession_ThrowsNotFound()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(async () =>
        {
            await foreach (var _ in Client.SubscribeAsync("no-such-session", 0, ct).WithCancellation(ct))
            {
            }
        }).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("no-such-session", error.Detail);
    }

    [Fact]
    public async Task Dispose_WhileSubscribed_EndsTheSubscriptionInsteadOfReconnecting()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var client = new AgentRuntimeClient(new AgentRuntimeClientOptions { BaseAddress = Server.BaseAddress, ApiKey = Server.AdminKey });
        var events = Collect(token => client.SubscribeAsync(session.SessionId, 0, token));
        var changes = Collect(client.SubscribeSessionListAsync);
        await Client.SendMessageAsync(session.SessionId, "Hello", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<TurnStartedEvent>();

        await client.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => events.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => changes.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }
}
