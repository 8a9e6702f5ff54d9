using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Testing;

/// <summary>
/// A local stand-in for the Anthropic Messages API on a real Kestrel at <c>127.0.0.1</c> on a free port. Point an
/// agent CLI at <see cref="BaseUrl"/> and script its model: <see cref="Enqueue"/> answers for the conversation's
/// requests in order, or <see cref="Respond"/> with a function of the request (to answer subagents by their prompt).
/// Every request is recorded in <see cref="Requests"/>.
/// </summary>
public sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<Reply> _queue = new();
    private readonly List<Func<ModelRequest, Reply?>> _responders = [];
    private readonly List<ModelRequest> _requests = [];
    private readonly string _idPrefix = Guid.NewGuid().ToString("N")[..8];
    private WebApplication? _app;
    private int _messageCount;

    private ScriptedModelServer()
    {
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>; what <c>ANTHROPIC_BASE_URL</c> takes.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The answer to the CLI's side requests (those offering no tools, such as title generation).</summary>
    public Reply AuxiliaryReply { get; set; } = Reply.Text("OK");

    /// <summary>The answer to a conversation request when the script has nothing left, so a test fails instead of hanging.</summary>
    public Reply ExhaustedReply { get; set; } = Reply.Text("(script exhausted)");

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<ModelRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>The conversation requests (main thread and subagents) received, in order.</summary>
    public IReadOnlyList<ModelRequest> ConversationRequests => Requests.Where(r => r.IsConversation).ToList();

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
    public static async Task<ScriptedModelServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new ScriptedModelServer();
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
    public ScriptedModelServer Enqueue(params Reply[] replies)
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
    /// non-<see langword="null"/> answer is used. A subagent's requests are told apart by
    /// <see cref="ModelRequest.IsSubagent"/> or its prompt.
    /// </summary>
    public ScriptedModelServer Respond(Func<ModelRequest, Reply?> responder)
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
            if (request.Method == "POST" && request.Path == "/v1/messages/count_tokens")
            {
                // A rough count is enough: the CLI uses it to decide about compaction.
                var tokens = Math.Max(1, (request.Body?.ToJsonString().Length ?? 0) / 4);
                await response.WriteAsJsonAsync(new JsonObject { ["input_tokens"] = tokens }, aborted);
            }
            else if (request.IsMessages)
            {
                var reply = Choose(request);
                var messageId = $"msg_{_idPrefix}{Interlocked.Increment(ref _messageCount):D4}";
                var model = request.Model ?? "claude-scripted";
                if (reply.Error is { } error)
                {
                    await ReplyWriter.WriteErrorAsync(response, error, aborted);
                }
                else if (request.Stream)
                {
                    await ReplyWriter.WriteStreamAsync(response, reply, messageId, model, aborted);
                }
                else
                {
                    await ReplyWriter.WriteJsonAsync(response, reply, messageId, model, aborted);
                }
            }
            else if (request.Method != "HEAD")
            {
                // Probes and other endpoints the CLI may call: a harmless empty answer rather than a 404.
                await response.WriteAsJsonAsync(new JsonObject(), aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-answer (a killed CLI); nothing to answer.
        }
    }

    private Reply Choose(ModelRequest request)
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

    private static async Task<ModelRequest> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
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

        return new ModelRequest
        {
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body,
        };
    }
}
