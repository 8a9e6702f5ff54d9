using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Rpc;
using AgentRuntime.Architectures.Acp.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRuntime.Architectures.Acp.Tests.Rpc;

public sealed class JsonRpcPeerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeAcpAgent _agent = new();
    private readonly RecordingHandler _handler = new();
    private JsonRpcPeer _peer = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _peer = new JsonRpcPeer(_agent.ClientInput, _agent.ClientOutput, _handler, _ => Task.FromResult("The agent exited with code 3. Standard error ended with:\nboom"), NullLogger.Instance);
        _peer.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task RequestAsync_SentMessages_AreOneJsonRpcLineEachWithIncreasingIds()
    {
        var first = _peer.RequestAsync("initialize", new JsonObject { ["protocolVersion"] = 1 }, Token);
        var second = _peer.RequestAsync("session/new", new JsonObject { ["cwd"] = "/w" }, Token);
        var a = await _agent.ExpectAsync("initialize");
        var b = await _agent.ExpectAsync("session/new");
        await _agent.RespondAsync(a["id"], new JsonObject());
        await _agent.RespondAsync(b["id"], new JsonObject());
        await Task.WhenAll(first, second).WaitAsync(Bound, Token);

        Assert.Equal(("2.0", 1L, 2L), (a["jsonrpc"]!.GetValue<string>(), a["id"]!.GetValue<long>(), b["id"]!.GetValue<long>()));
        Assert.Equal(1, a["params"]!["protocolVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task RequestAsync_AnswerSplitAcrossWritesAndJoinedWithTheNext_IsReadAsWholeLines()
    {
        var first = _peer.RequestAsync("a", null, Token);
        var second = _peer.RequestAsync("b", null, Token);
        await _agent.ExpectAsync("a");
        await _agent.ExpectAsync("b");

        await _agent.WriteRawAsync("""{"jsonrpc":"2.0","id":1,"res""");
        await Task.Delay(50, Token);
        await _agent.WriteRawAsync("""ult":{"n":"é1"}}""" + "\n" + """{"jsonrpc":"2.0","method":"note","params":{}}""" + "\n\n" + """{"jsonrpc":"2.0","id":2,"result":{"n":2}}""" + "\n");

        Assert.Equal("é1", (await first.WaitAsync(Bound, Token))!["n"]!.GetValue<string>());
        Assert.Equal(2, (await second.WaitAsync(Bound, Token))!["n"]!.GetValue<int>());
        Assert.Equal(["note {}"], _handler.Log);
    }

    [Fact]
    public async Task RequestAsync_AnswersOutOfOrder_EachRequestGetsItsOwnResult()
    {
        var requests = Enumerable.Range(0, 5).Select(i => _peer.RequestAsync("echo", new JsonObject { ["i"] = i }, Token)).ToList();
        var received = new List<JsonObject>();
        for (var i = 0; i < 5; i++)
        {
            received.Add(await _agent.ExpectAsync("echo"));
        }

        foreach (var request in Enumerable.Reverse(received))
        {
            await _agent.RespondAsync(request["id"], new JsonObject { ["i"] = request["params"]!["i"]!.GetValue<int>() });
        }

        var results = await Task.WhenAll(requests).WaitAsync(Bound, Token);
        Assert.Equal([0, 1, 2, 3, 4], results.Select(r => r!["i"]!.GetValue<int>()));
    }

    [Fact]
    public async Task RequestAsync_NotificationsInterleavedWithTheAnswer_ReachTheHandlerInOrderBeforeTheResult()
    {
        var prompt = _peer.RequestAsync("session/prompt", null, Token);
        var request = await _agent.ExpectAsync("session/prompt");
        await _agent.NotifyAsync("session/update", new JsonObject { ["n"] = 1 });
        await _agent.NotifyAsync("session/update", new JsonObject { ["n"] = 2 });
        await _agent.RespondAsync(request["id"], new JsonObject { ["stopReason"] = "end_turn" });
        await _agent.NotifyAsync("session/update", new JsonObject { ["n"] = 3 });

        var result = await prompt.WaitAsync(Bound, Token);
        var logBeforeResult = _handler.Log.ToList();

        Assert.Equal("end_turn", result!["stopReason"]!.GetValue<string>());
        Assert.Equal(["session/update {\"n\":1}", "session/update {\"n\":2}"], logBeforeResult.Take(2));
    }

    [Fact]
    public async Task RequestAsync_ErrorAnswer_ThrowsJsonRpcExceptionWithTheCodeAndTheDetails()
    {
        var request = _peer.RequestAsync("session/load", null, Token);
        var sent = await _agent.ExpectAsync("session/load");
        await _agent.RespondErrorAsync(sent["id"], -32603, "Internal error", new JsonObject { ["details"] = "No previous sessions found for this project." });

        var error = await Assert.ThrowsAsync<JsonRpcException>(() => request.WaitAsync(Bound, Token));

        Assert.Equal(-32603, error.Code);
        Assert.Equal("Internal error: No previous sessions found for this project.", error.Message);
    }

    [Fact]
    public async Task RequestAsync_PeerExitsMidRequest_FailsEveryPendingRequestWithTheReason()
    {
        var first = _peer.RequestAsync("session/prompt", null, Token);
        var second = _peer.RequestAsync("other", null, Token);
        await _agent.ExpectAsync("session/prompt");
        await _agent.ExpectAsync("other");

        _agent.CloseOutput();

        var error = await Assert.ThrowsAsync<JsonRpcPeerClosedException>(() => first.WaitAsync(Bound, Token));
        await Assert.ThrowsAsync<JsonRpcPeerClosedException>(() => second.WaitAsync(Bound, Token));
        Assert.Equal("The agent exited with code 3. Standard error ended with:\nboom", error.Message);
        await _peer.Completion.WaitAsync(Bound, Token);
        var late = await Assert.ThrowsAsync<JsonRpcPeerClosedException>(() => _peer.RequestAsync("late", null, Token).WaitAsync(Bound, Token));
        Assert.Equal(error.Message, late.Message);
    }

    [Fact]
    public async Task RequestAsync_Cancelled_StopsWaitingAndALaterAnswerIsIgnored()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var request = _peer.RequestAsync("slow", null, cancel.Token);
        var sent = await _agent.ExpectAsync("slow");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(Bound, Token));
        await _agent.RespondAsync(sent["id"], new JsonObject());
        var next = _peer.RequestAsync("next", null, Token);
        await _agent.RespondAsync((await _agent.ExpectAsync("next"))["id"], new JsonObject { ["ok"] = true });
        Assert.True((await next.WaitAsync(Bound, Token))!["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PeerRequest_Answered_WithTheHandlersResultOrItsErrorOrMethodNotFound()
    {
        _handler.Answer = (method, parameters) => method switch
        {
            "fs/read_text_file" => Task.FromResult<JsonNode?>(new JsonObject { ["content"] = "hello" }),
            "broken" => throw new InvalidOperationException("handler broke"),
            _ => throw new JsonRpcException(JsonRpcException.MethodNotFound, $"Method not found: {method}"),
        };

        await _agent.RequestAsync(0, "fs/read_text_file", new JsonObject { ["path"] = "/w/a" });
        await _agent.SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = "s-1", ["method"] = "terminal/create", ["params"] = new JsonObject() });
        await _agent.RequestAsync(7, "broken", null);
        var answers = new[] { await _agent.ReadAsync(), await _agent.ReadAsync(), await _agent.ReadAsync() }.ToDictionary(a => a!["id"]!.ToJsonString());

        Assert.Equal("hello", answers["0"]!["result"]!["content"]!.GetValue<string>());
        Assert.Equal(-32601, answers["\"s-1\""]!["error"]!["code"]!.GetValue<int>());
        Assert.Equal((-32603, "handler broke"), (answers["7"]!["error"]!["code"]!.GetValue<int>(), answers["7"]!["error"]!["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ReadLoop_LineThatIsNotJson_GoesToTheHandlerAndReadingGoesOn()
    {
        var request = _peer.RequestAsync("a", null, Token);
        var sent = await _agent.ExpectAsync("a");

        await _agent.WriteRawAsync("Ripgrep is not available.\n");
        await _agent.RespondAsync(sent["id"], new JsonObject());

        await request.WaitAsync(Bound, Token);
        Assert.Equal(["unreadable Ripgrep is not available."], _handler.Log);
    }
}
