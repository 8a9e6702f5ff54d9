using AgentRuntime.Testing.Net;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Testing;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class ResumeTests : ClientTest
{
    [Fact]
    public async Task Subscribe_ConnectionCutTwiceMidStream_ResumesWithEverySeqOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var proxy = Track(new TcpProxy(Server.BaseAddress));
        var viaProxy = CreateClient(options =>
        {
            options.BaseAddress = proxy.Address;
            options.ReconnectDelays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(100)];
        });
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var events = Collect(token => viaProxy.SubscribeAsync(session.SessionId, 0, token));
        Model.Enqueue(Reply.Text(string.Join(' ', Enumerable.Range(1, 80).Select(i => $"word{i}"))).WithPieces(60).WithChunkDelay(TimeSpan.FromMilliseconds(40)));

        var turnId = await Client.SendMessageAsync(session.SessionId, "Stream slowly", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<BlockDeltaEvent>(_ => events.Items.OfType<BlockDeltaEvent>().Count() >= 5);
        var firstCut = proxy.CutAll();
        await events.WaitForAsync<BlockDeltaEvent>(_ => events.Items.OfType<BlockDeltaEvent>().Count() >= 25);
        var secondCut = proxy.CutAll();
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        Assert.True(firstCut > 0 && secondCut > 0, "the proxy had no connection to cut");
        Assert.True(proxy.AcceptedConnections >= 3, $"the client should have reconnected twice; the proxy saw {proxy.AcceptedConnections} connections");
        var seqs = events.Items.Select(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        var logged = await Client.GetEventsAsync(session.SessionId, 0, ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(logged.Where(e => e.Seq <= seqs[^1]).Select(e => (e.Seq, e.GetType())), events.Items.Select(e => (e.Seq, e.GetType())));
    }
}
