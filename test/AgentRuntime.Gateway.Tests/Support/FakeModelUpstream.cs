using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Gateway.Tests.Support;

/// <summary>
/// A stand-in for the Anthropic and Gemini APIs on a real Kestrel at 127.0.0.1, port 0. Records every request and
/// answers with fixed usage: Anthropic <c>/v1/messages</c> as SSE (<c>"stream": true</c>) or JSON, Gemini
/// <c>:streamGenerateContent?alt=sse</c> and <c>:generateContent</c>. The Anthropic stream can be held after its
/// first text delta (<see cref="HoldStream"/>) to prove the proxy passes pieces on as they come.
/// </summary>
internal sealed class FakeModelUpstream : IAsyncDisposable
{
    public const string AnthropicStreamModel = "claude-sonnet-4-5-20250929";
    public const string AnthropicJsonModel = "claude-haiku-4-5-20251001";

    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>When set, the Anthropic stream waits for it after its first text delta, before the rest.</summary>
    public TaskCompletionSource? HoldStream { get; set; }

    /// <summary>Set when the Anthropic stream has flushed its first text delta.</summary>
    public TaskCompletionSource FirstDeltaSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FakeModelUpstream> StartAsync(CancellationToken cancellationToken)
    {
        var upstream = new FakeModelUpstream();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(upstream.HandleAsync);
        await app.StartAsync(cancellationToken);
        upstream._app = app;
        upstream.BaseUrl = new Uri(app.Urls.Single());
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        HoldStream?.TrySetResult();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(
            request.Method,
            context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));

        var path = request.Path.Value ?? "";
        if (path.EndsWith("/v1/messages", StringComparison.Ordinal) && HttpMethods.IsPost(request.Method))
        {
            var stream = JsonNode.Parse(body)?["stream"]?.GetValue<bool>() == true;
            await (stream ? AnthropicStreamAsync(context) : JsonAsync(context, AnthropicJson));
        }
        else if (path.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
        {
            await GeminiStreamAsync(context);
        }
        else if (path.EndsWith(":generateContent", StringComparison.Ordinal))
        {
            await JsonAsync(context, GeminiJson);
        }
        else
        {
            context.Response.StatusCode = 404;
            await JsonAsync(context, """{"type":"error","error":{"type":"not_found_error","message":"no such path"}}""");
        }
    }

    private async Task AnthropicStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await EventAsync(context, "message_start", $$$$"""{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"{{{{AnthropicStreamModel}}}}","content":[],"stop_reason":null,"usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":300,"output_tokens":1}}}""");
        await EventAsync(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        await EventAsync(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}""");
        FirstDeltaSent.TrySetResult();
        if (HoldStream is { } hold)
        {
            await hold.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        else
        {
            await Task.Delay(20, context.RequestAborted);
        }

        await EventAsync(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}""");
        await EventAsync(context, "content_block_stop", """{"type":"content_block_stop","index":0}""");
        await EventAsync(context, "message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":42}}""");
        await EventAsync(context, "message_stop", """{"type":"message_stop"}""");
    }

    private static async Task GeminiStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await DataAsync(context, """{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":1000,"candidatesTokenCount":1,"totalTokenCount":1001,"cachedContentTokenCount":400},"modelVersion":"gemini-2.5-pro"}""");
        await Task.Delay(20, context.RequestAborted);
        await DataAsync(context, """{"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1000,"candidatesTokenCount":30,"thoughtsTokenCount":70,"totalTokenCount":1100,"cachedContentTokenCount":400},"modelVersion":"gemini-2.5-pro"}""");
    }

    private static async Task EventAsync(HttpContext context, string name, string data)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task DataAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"data: {data}\r\n\r\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static Task JsonAsync(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    /// <summary>15 tokens of claude-haiku-4-5.</summary>
    public const string AnthropicJson = $$$$"""{"id":"msg_2","type":"message","role":"assistant","model":"{{{{AnthropicJsonModel}}}}","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}""";

    /// <summary>57 tokens of gemini-2.5-flash.</summary>
    public const string GeminiJson = """{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":7,"totalTokenCount":57},"modelVersion":"gemini-2.5-flash"}""";
}

/// <summary>A request as the upstream received it.</summary>
internal sealed record RecordedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, string Body);
