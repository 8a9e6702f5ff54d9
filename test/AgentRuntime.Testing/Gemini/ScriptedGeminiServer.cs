using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Testing.Gemini;

/// <summary>
/// A local stand-in for the Gemini API (<c>POST /v1beta/models/{model}:streamGenerateContent?alt=sse</c> and
/// <c>:generateContent</c>) on a real Kestrel at <c>127.0.0.1</c> on a free port. Point the Gemini CLI at
/// <see cref="BaseUrl"/> (<c>GOOGLE_GEMINI_BASE_URL</c>) and script its model: <see cref="Enqueue"/> answers for the
/// conversation's requests in order, or <see cref="Respond"/> with a function of the request. Side requests (the model
/// router of <c>auto</c>, checks) get <see cref="AuxiliaryReply"/>; an exhausted script gets
/// <see cref="ExhaustedReply"/>, so a test fails instead of hanging. Every request is recorded in <see cref="Requests"/>.
/// </summary>
public sealed class ScriptedGeminiServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<GeminiReply> _queue = new();
    private readonly List<Func<GeminiRequest, GeminiReply?>> _responders = [];
    private readonly List<GeminiRequest> _requests = [];
    private WebApplication? _app;

    private ScriptedGeminiServer()
    {
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>; what <c>GOOGLE_GEMINI_BASE_URL</c> takes.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>
    /// The answer to side requests (those offering no tools). The default is JSON that both the <c>auto</c> model router
    /// (<c>model_choice</c>) and the next-speaker check (<c>next_speaker</c>) accept.
    /// </summary>
    public GeminiReply AuxiliaryReply { get; set; } =
        GeminiReply.Text("""{"reasoning":"scripted","model_choice":"flash","next_speaker":"user"}""").WithPieces(1);

    /// <summary>The answer to a conversation request when the script has nothing left.</summary>
    public GeminiReply ExhaustedReply { get; set; } = GeminiReply.Text("(script exhausted)");

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<GeminiRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>The conversation requests received, in order.</summary>
    public IReadOnlyList<GeminiRequest> ConversationRequests => Requests.Where(r => r.IsConversation).ToList();

    /// <summary>How many enqueued replies are still unused.</summary>
    public int PendingReplies
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<ScriptedGeminiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new ScriptedGeminiServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        server._app = app;
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>Queues answers for the next conversation requests, in order.</summary>
    public ScriptedGeminiServer Enqueue(params GeminiReply[] replies)
    {
        lock (_lock)
        {
            foreach (var reply in replies)
            {
                _queue.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>
    /// Adds a responder consulted, in the order added, before the queue for each conversation request; the first
    /// non-<see langword="null"/> answer is used.
    /// </summary>
    public ScriptedGeminiServer Respond(Func<GeminiRequest, GeminiReply?> responder)
    {
        lock (_lock)
        {
            _responders.Add(responder);
        }

        return this;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await ReadRequestAsync(context.Request, context.RequestAborted);
        lock (_lock)
        {
            _requests.Add(request);
        }

        var response = context.Response;
        var aborted = context.RequestAborted;
        try
        {
            if (request.IsGenerate)
            {
                var reply = Choose(request);
                var model = request.Model ?? "gemini-scripted";
                if (reply.Error is { } error)
                {
                    await GeminiReplyWriter.WriteErrorAsync(response, error, aborted);
                }
                else if (request.IsStream)
                {
                    await GeminiReplyWriter.WriteStreamAsync(response, reply, model, aborted);
                }
                else
                {
                    await GeminiReplyWriter.WriteJsonAsync(response, reply, model, aborted);
                }
            }
            else if (request.ApiMethod == "countTokens")
            {
                var tokens = Math.Max(1, (request.Body?.ToJsonString().Length ?? 0) / 4);
                await response.WriteAsJsonAsync(new JsonObject { ["totalTokens"] = tokens }, aborted);
            }
            else if (request.Method != "HEAD")
            {
                // Probes and other endpoints the CLI may call: a harmless empty answer rather than a 404.
                await response.WriteAsJsonAsync(new JsonObject(), aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-answer (a killed or cancelled CLI); nothing to answer.
        }
    }

    private GeminiReply Choose(GeminiRequest request)
    {
        if (!request.IsConversation)
        {
            return AuxiliaryReply;
        }

        lock (_lock)
        {
            foreach (var responder in _responders)
            {
                if (responder(request) is { } reply)
                {
                    return reply;
                }
            }

            return _queue.TryDequeue(out var next) ? next : ExhaustedReply;
        }
    }

    private static async Task<GeminiRequest> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonObject? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken) as JsonObject;
            }
            catch (JsonException)
            {
                // Not JSON; recorded without a body.
            }
        }

        return new GeminiRequest
        {
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Query = request.QueryString.Value ?? "",
            Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body,
        };
    }
}
