using System.Text;
using System.Text.Json;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentRuntime.Transport;

/// <summary>The REST API and the SSE event stream (<c>docs/protocol.md</c> describes both).</summary>
internal static class SessionEndpoints
{
    private static readonly TimeSpan SseHeartbeat = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapSessionApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(ProblemMapping.MapExceptionsAsync);

        api.MapGet("/health", (TimeProvider time, Sandboxes.ISandboxProvider sandboxes) =>
            TypedResults.Ok(new HealthReport("ok", time.GetUtcNow(), sandboxes.Enforcement)));
        api.MapGet("/architectures", (IAgentSessionManager sessions) => TypedResults.Ok(sessions.GetArchitectures()));

        api.MapGet("/profiles", async (IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Ok((await sessions.ListProfilesAsync(ct)).Select(p => new AgentProfileSummary(p.Id, p.Name, p.Description)).ToList()));
        api.MapGet("/profiles/{id}", async Task<IResult> (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            await sessions.GetProfileAsync(id, ct) is { } profile
                ? TypedResults.Ok(profile)
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "Profile not found", $"Profile '{id}' was not found."));

        var sessionsApi = api.MapGroup("/sessions");
        sessionsApi.MapPost("/", async (HttpRequest request, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.CreateSessionBody, ct);
            var created = await sessions.CreateSessionAsync(new CreateSessionRequest
            {
                AgentProfileRef = body.AgentProfileRef ?? "",
                Architecture = body.Architecture ?? "",
                Name = body.Name,
                Files = body.Files,
            }, ct);
            return TypedResults.Created($"/api/sessions/{created.SessionId}", created);
        });
        sessionsApi.MapGet("/", async (IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Ok(new SessionList(await sessions.ListSessionsAsync(ct))));
        sessionsApi.MapGet("/{id}", async (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Ok(await sessions.GetSessionAsync(id, ct)));
        sessionsApi.MapDelete("/{id}", async Task<IResult> (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            await sessions.DeleteSessionAsync(id, ct)
                ? TypedResults.NoContent()
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "Session not found", $"Session '{id}' was not found."));
        sessionsApi.MapPatch("/{id}", async (string id, HttpRequest request, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.UpdateSessionBody, ct);
            return TypedResults.Ok(await sessions.SetBudgetAsync(id, body.Budget, ct));
        });
        sessionsApi.MapPost("/{id}/messages", async (string id, HttpRequest request, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.SendMessageBody, ct);
            var turnId = await sessions.SendMessageAsync(id, body.Content ?? "", ct);
            return TypedResults.Accepted($"/api/sessions/{id}", new TurnAccepted(turnId));
        });
        sessionsApi.MapGet("/{id}/events", GetEventsAsync);
        sessionsApi.MapFileApi();
        return api;
    }

    private static async Task<IResult> GetEventsAsync(string id, long? after, HttpContext context, IAgentSessionManager sessions, CancellationToken ct)
    {
        var afterSeq = after ?? (long.TryParse(context.Request.Headers["Last-Event-ID"], out var lastEventId) ? lastEventId : 0);
        if (afterSeq < 0)
        {
            throw new BadRequestException("'after' must be 0 or greater.");
        }

        var wantsStream = context.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        if (!wantsStream)
        {
            return TypedResults.Ok(await sessions.ReadEventsAsync(id, afterSeq, ct));
        }

        // A missing session must be a 404, decided before the stream's headers go out.
        if (!await sessions.SessionExistsAsync(id, ct))
        {
            throw new SessionNotFoundException(id);
        }

        return new SseResult(sessions.SubscribeAsync(id, afterSeq, ct));
    }

    /// <summary>Writes events as server-sent events: <c>id</c> is the event's seq, <c>data</c> its JSON.</summary>
    private sealed class SseResult(IAsyncEnumerable<SessionEvent> stream) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            var ct = context.RequestAborted;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.Body.FlushAsync(ct);
            var events = stream.GetAsyncEnumerator(ct);
            await using (events)
            {
                var next = events.MoveNextAsync().AsTask();
                try
                {
                    while (true)
                    {
                        var heartbeat = Task.Delay(SseHeartbeat, ct);
                        if (await Task.WhenAny(next, heartbeat) == heartbeat)
                        {
                            await response.WriteAsync(": keep-alive\n\n", ct);
                            await response.Body.FlushAsync(ct);
                            continue;
                        }

                        if (!await next)
                        {
                            break;
                        }

                        await WriteEventAsync(response, events.Current, ct);
                        next = events.MoveNextAsync().AsTask();
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // The client went away.
                }
                catch (SubscriberLaggedException ex)
                {
                    await response.WriteAsync($"event: lagged\ndata: {ex.LastDeliveredSeq}\n\n", ct);
                }
            }
        }

        private static async Task WriteEventAsync(HttpResponse response, SessionEvent e, CancellationToken ct)
        {
            var json = JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);
            await response.WriteAsync($"id: {e.Seq}\ndata: {json}\n\n", Encoding.UTF8, ct);
            await response.Body.FlushAsync(ct);
        }
    }
}
