using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Testing;

public sealed class ScriptedModelServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly HttpClient _http = new();
    private ScriptedModelServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await ScriptedModelServer.StartAsync(Token).WaitAsync(Timeout, Token);
        _http.BaseAddress = new Uri(_server.BaseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Messages_StreamedTextReply_SendsTheMessagesApiEventSequence()
    {
        _server.Enqueue(Reply.Text("Hello there, streaming world"));

        var events = await StreamAsync(Conversation("hi"));

        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Name));
        Assert.Equal("Hello there, streaming world", string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e => e.Data["delta"]!["text"]!.GetValue<string>())));
        Assert.Equal("end_turn", events.Single(e => e.Name == "message_delta").Data["delta"]!["stop_reason"]!.GetValue<string>());
        Assert.Equal("claude-test", events[0].Data["message"]!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Messages_ToolUseWithText_StreamsTheTextThenTheInputJsonInPieces()
    {
        _server.Enqueue(Reply.ToolUse("Bash", new { command = "echo hi > a.txt" }, id: "toolu_1").WithText("Let me run it"));

        var events = await StreamAsync(Conversation("run"));

        var starts = events.Where(e => e.Name == "content_block_start").Select(e => e.Data["content_block"]!).ToList();
        Assert.Equal(["text", "tool_use"], starts.Select(s => s["type"]!.GetValue<string>()));
        Assert.Equal(("toolu_1", "Bash"), (starts[1]["id"]!.GetValue<string>(), starts[1]["name"]!.GetValue<string>()));
        var pieces = events.Where(e => e.Name == "content_block_delta" && e.Data["index"]!.GetValue<int>() == 1)
            .Select(e => e.Data["delta"]!)
            .ToList();
        Assert.True(pieces.Count > 1, "the input streams in several pieces");
        Assert.All(pieces, p => Assert.Equal("input_json_delta", p["type"]!.GetValue<string>()));
        var input = JsonNode.Parse(string.Concat(pieces.Select(p => p["partial_json"]!.GetValue<string>())))!;
        Assert.Equal("echo hi > a.txt", input["command"]!.GetValue<string>());
        Assert.Equal("tool_use", events.Single(e => e.Name == "message_delta").Data["delta"]!["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Messages_ThinkingReply_StreamsThinkingDeltasAndASignature()
    {
        _server.Enqueue(Reply.Text("Answer").WithThinking("Let me think about it", signature: "sig-1"));

        var events = await StreamAsync(Conversation("think"));

        var deltas = events.Where(e => e.Name == "content_block_delta" && e.Data["index"]!.GetValue<int>() == 0).Select(e => e.Data["delta"]!).ToList();
        Assert.Equal("Let me think about it", string.Concat(deltas.Where(d => d["type"]!.GetValue<string>() == "thinking_delta").Select(d => d["thinking"]!.GetValue<string>())));
        Assert.Equal("sig-1", deltas.Last()["signature"]!.GetValue<string>());
        Assert.Equal("thinking", events.First(e => e.Name == "content_block_start").Data["content_block"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Messages_NotStreamed_AnswerOneJsonMessageWithUsage()
    {
        _server.Enqueue(Reply.Text("Plain").WithUsage(inputTokens: 123, outputTokens: 45, cacheReadInputTokens: 6));

        using var response = await PostAsync(Conversation("hi", stream: false));
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;

        Assert.Equal("Plain", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(123, message["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(45, message["usage"]!["output_tokens"]!.GetValue<int>());
        Assert.Equal(6, message["usage"]!["cache_read_input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Messages_RequestOfferingNoTools_GetsTheAuxiliaryAnswerWithoutUsingTheQueue()
    {
        _server.Enqueue(Reply.Text("for the conversation"));
        var aside = Conversation("Write a title", stream: false);
        aside.Remove("tools");

        using var response = await PostAsync(aside);

        Assert.Equal("OK", JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(1, _server.PendingReplies);
        Assert.Empty(_server.ConversationRequests);
    }

    [Fact]
    public async Task Messages_ScriptExhausted_AnswersSoInsteadOfHanging()
    {
        var events = await StreamAsync(Conversation("anyone?"));

        Assert.Equal("(script exhausted)", string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e => e.Data["delta"]!["text"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Messages_Responder_AnswersFirstAndFallsThroughToTheQueueOnNull()
    {
        _server.Respond(r => r.LastUserText == "special" ? Reply.Text("from responder") : null).Enqueue(Reply.Text("from queue"));

        var special = await NonStreamedTextAsync(Conversation("special"));
        var ordinary = await NonStreamedTextAsync(Conversation("ordinary"));

        Assert.Equal(("from responder", "from queue"), (special, ordinary));
    }

    [Fact]
    public async Task Requests_AreRecordedWithTheirParsedBodyAndHeaders()
    {
        var body = Conversation("remember this", stream: false);
        body["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "billing line; cc_is_subagent=true;" }, new JsonObject { ["type"] = "text", ["text"] = "You are a test." });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", "sk-test");

        using var response = await _http.SendAsync(request, Token).WaitAsync(Timeout, Token);

        var recorded = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/v1/messages", "claude-test", 1000), (recorded.Method, recorded.Path, recorded.Model, recorded.MaxTokens));
        Assert.Equal("billing line; cc_is_subagent=true;\nYou are a test.", recorded.System);
        Assert.True(recorded.IsSubagent);
        Assert.Equal(["Bash"], recorded.ToolNames);
        Assert.Equal("remember this", recorded.LastUserText);
        Assert.True(recorded.MessagesContain("remember this"));
        Assert.Equal("sk-test", recorded.Headers["X-Api-Key"]);
    }

    [Fact]
    public async Task Messages_FailReply_AnswersWithTheApiErrorShape()
    {
        _server.Enqueue(Reply.Fail("scripted failure"));

        using var response = await PostAsync(Conversation("hi"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("error", "invalid_request_error", "scripted failure"), (error["type"]!.GetValue<string>(), error["error"]!["type"]!.GetValue<string>(), error["error"]!["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task OtherEndpoints_CountTokensAndProbes_AreAnsweredRatherThan404()
    {
        using var count = await _http.PostAsync("/v1/messages/count_tokens", new StringContent(Conversation("hi").ToJsonString(), Encoding.UTF8, "application/json"), Token).WaitAsync(Timeout, Token);
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/hello"), Token).WaitAsync(Timeout, Token);
        using var get = await _http.GetAsync("/v1/models", Token).WaitAsync(Timeout, Token);

        Assert.True(JsonNode.Parse(await count.Content.ReadAsStringAsync(Token))!["input_tokens"]!.GetValue<int>() > 0);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (head.StatusCode, get.StatusCode));
        Assert.Equal(3, _server.Requests.Count);
        Assert.Empty(_server.ConversationRequests);
    }

    [Fact]
    public async Task Messages_ChunkDelay_SpreadsTheStreamOverTime()
    {
        _server.Enqueue(Reply.Text("one two three").WithChunkDelay(TimeSpan.FromMilliseconds(100)));
        var watch = Stopwatch.StartNew();

        var events = await StreamAsync(Conversation("slowly"));

        Assert.Equal(3, events.Count(e => e.Name == "content_block_delta"));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(280), $"took {watch.Elapsed}");
    }

    private static JsonObject Conversation(string text, bool stream = true) => new()
    {
        ["model"] = "claude-test",
        ["max_tokens"] = 1000,
        ["stream"] = stream,
        ["system"] = "You are a test.",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) }),
        ["tools"] = new JsonArray(new JsonObject { ["name"] = "Bash", ["input_schema"] = new JsonObject { ["type"] = "object" } }),
    };

    private async Task<HttpResponseMessage> PostAsync(JsonObject body) =>
        await _http.PostAsync("/v1/messages?beta=true", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), Token).WaitAsync(Timeout, Token);

    private async Task<string> NonStreamedTextAsync(JsonObject body)
    {
        body["stream"] = false;
        using var response = await PostAsync(body);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!["content"]![0]!["text"]!.GetValue<string>();
    }

    private async Task<List<(string Name, JsonNode Data)>> StreamAsync(JsonObject body)
    {
        using var response = await PostAsync(body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Token).WaitAsync(Timeout, Token);
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(frame => frame.Split('\n'))
            .Select(lines => (lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..], JsonNode.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!))
            .ToList();
    }
}
