using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Testing;

public sealed class ScriptedGeminiServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new();
    private ScriptedGeminiServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ScriptedGeminiServer.StartAsync(Token).WaitAsync(Bound, Token);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task StreamGenerateContent_ScriptedReply_StreamsTextPiecesThenTheCallAndEndsWithUsage()
    {
        _server.Enqueue(GeminiReply.Shell("ls").WithText("Looking").WithThought("Plan", "List files").WithPieces(2).WithUsage(7, 3));

        var chunks = await StreamAsync("gemini-2.5-flash", Conversation("hello"));

        Assert.Equal(
            ["thought:**Plan**\nList files", "text:Look", "text:ing", "functionCall:run_shell_command"],
            chunks.Select(c => c["candidates"]![0]!["content"]!["parts"]![0]!.AsObject()).Select(p =>
                p["functionCall"] is { } call ? $"functionCall:{call["name"]}" : p["thought"] is not null ? $"thought:{p["text"]}" : $"text:{p["text"]}"));
        Assert.Equal("STOP", chunks[^1]["candidates"]![0]!["finishReason"]!.GetValue<string>());
        Assert.Equal((7, 3), (chunks[^1]["usageMetadata"]!["promptTokenCount"]!.GetValue<int>(), chunks[^1]["usageMetadata"]!["candidatesTokenCount"]!.GetValue<int>()));
        Assert.Null(chunks[0]["usageMetadata"]);
        var request = Assert.Single(_server.ConversationRequests);
        Assert.Equal(("gemini-2.5-flash", "hello", true), (request.Model, request.LastUserText, request.IsStream));
    }

    [Fact]
    public async Task GenerateContent_RouterRequestWithoutTools_GetsTheAuxiliaryAnswerAndLeavesTheScript()
    {
        _server.Enqueue(GeminiReply.Text("for the conversation"));

        using var response = await _http.PostAsJsonAsync($"{_server.BaseUrl}/v1beta/models/gemini-2.5-flash-lite:generateContent", new JsonObject
        {
            ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "route" }) }),
        }, Token).WaitAsync(Bound, Token);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Token).WaitAsync(Bound, Token))!;

        Assert.Contains("\"model_choice\":\"flash\"", body["candidates"]![0]!["content"]!["parts"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, _server.PendingReplies);
        Assert.Empty(_server.ConversationRequests);
    }

    [Fact]
    public async Task StreamGenerateContent_ErrorReplyThenExhaustedScript_AnswersTheErrorThenTheExhaustedReply()
    {
        _server.Enqueue(GeminiReply.Fail("scripted failure"));

        using var failed = await PostAsync("gemini-2.5-flash", Conversation("one"));
        var error = (await failed.Content.ReadFromJsonAsync<JsonObject>(Token).WaitAsync(Bound, Token))!;
        var exhausted = await StreamAsync("gemini-2.5-flash", Conversation("two"));

        Assert.Equal((HttpStatusCode.BadRequest, "scripted failure"), (failed.StatusCode, error["error"]!["message"]!.GetValue<string>()));
        Assert.Equal("(script exhausted)", string.Concat(exhausted.Select(c => c["candidates"]![0]!["content"]!["parts"]![0]!["text"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Respond_ResponderAnswer_WinsOverTheQueue()
    {
        _server.Enqueue(GeminiReply.Text("queued"));
        _server.Respond(r => r.LastUserText == "special" ? GeminiReply.Text("responder").WithPieces(1) : null);

        var chunks = await StreamAsync("gemini-2.5-flash", Conversation("special"));

        Assert.Equal("responder", chunks.Single()["candidates"]![0]!["content"]!["parts"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(1, _server.PendingReplies);
    }

    private static JsonObject Conversation(string text) => new()
    {
        ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) }),
        ["tools"] = new JsonArray(new JsonObject { ["functionDeclarations"] = new JsonArray(new JsonObject { ["name"] = "run_shell_command" }) }),
    };

    private Task<HttpResponseMessage> PostAsync(string model, JsonObject body) =>
        _http.PostAsJsonAsync($"{_server.BaseUrl}/v1beta/models/{model}:streamGenerateContent?alt=sse", body, Token).WaitAsync(Bound, Token);

    private async Task<List<JsonObject>> StreamAsync(string model, JsonObject body)
    {
        using var response = await PostAsync(model, body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);
        return text.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(frame => JsonNode.Parse(frame["data: ".Length..])!.AsObject())
            .ToList();
    }
}
