using System.Globalization;
using System.Security.Claims;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.OpenApi;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Transport;

/// <summary>The REST API and the SSE event stream (<c>docs/protocol.md</c> describes both).</summary>
internal static class SessionEndpoints
{
    // The largest page of GET /api/sessions: past it a client wants the whole list, which it gets without a limit.
    internal const int MaxSessionPage = 1000;

    private const string ServerTag = "Server";

    public static RouteGroupBuilder MapSessionApi(this IEndpointRouteBuilder endpoints)
    {
        var root = endpoints.MapGroup("/api");
        root.AddEndpointFilter(ProblemMapping.MapExceptionsAsync);
        // Every route may meet the rate limit, the anonymous health too (counted by address).
        root.ProducesProblems(StatusCodes.Status429TooManyRequests);

        root.MapGet("/health", (TimeProvider time, Sandboxes.ISandboxProvider sandboxes) =>
            TypedResults.Ok(new HealthReport("ok", time.GetUtcNow(), sandboxes.Enforcement)))
            .AllowAnonymous()
            .WithName("GetHealth").WithTags(ServerTag).WithSummary("The server answers, and what its sandboxes enforce here.");

        var api = root.MapGroup("");
        api.RequireAuthorization(AgentRuntimeSecurityExtensions.SessionsPolicy)
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        api.MapGet("/me", (ClaimsPrincipal user, IOptions<AuthOptions> auth) =>
        {
            var caller = Caller.From(user);
            return TypedResults.Ok(new CallerInfo(caller.TenantId, caller.Scopes, caller.KeyId, auth.Value.Mode.ToString().ToLowerInvariant()));
        }).WithName("GetCaller").WithTags(ServerTag).WithSummary("Who the credential speaks for.");
        api.MapGet("/architectures", (IAgentSessionManager sessions) => TypedResults.Ok(sessions.GetArchitectures()))
            .WithName("ListArchitectures").WithTags(ServerTag).WithSummary("The agent architectures and whether each can run here.");

        api.MapProfileApi();

        var sessionsApi = api.MapGroup("/sessions").WithTags("Sessions");
        sessionsApi.MapPost("/", async Task<Results<Created<SessionListItem>, ProblemHttpResult>> (HttpRequest request, ClaimsPrincipal user, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.CreateSessionBody, ct);
            var caller = Caller.From(user);
            if (body.TenantId is { } tenantId && !caller.CanSee(tenantId))
            {
                return ProblemMapping.Problem(StatusCodes.Status403Forbidden, "Forbidden", "Only an admin may create a session for another tenant.");
            }

            var created = await sessions.CreateSessionAsync(new CreateSessionRequest
            {
                AgentProfileRef = body.AgentProfileRef ?? "",
                Architecture = body.Architecture ?? "",
                Name = body.Name,
                Files = body.Files,
                TenantId = body.TenantId ?? caller.TenantId,
            }, ct);
            return TypedResults.Created($"/api/sessions/{created.SessionId}", created);
        }).AcceptsJson<CreateSessionBody>().WithName("CreateSession").WithSummary("Creates a session of a profile on an architecture.");
        // An admin lists every tenant's sessions, or one tenant's with ?tenantId=; anyone else, their own tenant's.
        sessionsApi.MapGet("/", ListSessionsAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .WithName("ListSessions").WithSummary("The sessions, most recently active first: all of them, or a page with ?limit=.");

        // Everything about one session: another tenant's answers exactly as a missing one does.
        var session = sessionsApi.MapGroup("/{id}").ProducesProblems(StatusCodes.Status404NotFound);
        session.AddEndpointFilter(RequireVisibleSessionAsync);
        session.MapGet("", async (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Ok(await sessions.GetSessionAsync(id, ct)))
            .WithName("GetSession").WithSummary("The session with its conversation.");
        session.MapDelete("", async Task<Results<NoContent, ProblemHttpResult>> (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            await sessions.DeleteSessionAsync(id, ct)
                ? TypedResults.NoContent()
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "Session not found", $"Session '{id}' was not found."))
            .WithName("DeleteSession").WithSummary("Stops the session's sandbox and removes the session and all its data.");
        session.MapPatch("", PatchSessionAsync).AcceptsJson<UpdateSessionBody>()
            .WithName("UpdateSession").WithSummary("Sets the session's budget, moves it to another version of its profile, or both.");
        session.MapPost("/messages", async (string id, HttpRequest request, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.JsonObject, ct, allowImages: true);
            var (text, images) = MessageContent.Read(body);
            var turnId = await sessions.SendMessageAsync(id, text, images, ct);
            return TypedResults.Accepted($"/api/sessions/{id}", new TurnAccepted(turnId));
        }).AcceptsJson<SendMessageBody>().ProducesProblems(StatusCodes.Status409Conflict)
            .WithName("SendMessage").WithSummary("Sends the user's message: a turn starts, and its events follow on the event stream.");
        session.MapGet("/events", GetEventsAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .WithMetadata(new QueryAccessTokenMetadata(), new EventStreamMetadata(
                "With 'Accept: text/event-stream': the events after 'after' (or Last-Event-ID), then each new one as it happens, as "
                + "server-sent events: 'id' is the event's seq, 'data' its JSON (a SessionEvent); ': keep-alive' comments every 15 s; "
                + "'event: lagged' with the last seq delivered when the client fell too far behind (reconnect from it)."))
            .WithName("GetEvents").WithSummary("The session's events after a sequence number: a JSON array, or a live server-sent event stream.");
        session.MapControlApi();
        session.MapFileApi();
        api.MapKeyApi();
        return root;
    }

    /// <summary>
    /// <c>GET /api/sessions</c>: with <c>limit</c>, a page and the cursor of the next; without, the whole list (after
    /// <c>cursor</c> when one is given), as before pages existed.
    /// </summary>
    private static async Task<Ok<SessionList>> ListSessionsAsync(string? tenantId, string? limit, string? cursor, ClaimsPrincipal user, IAgentSessionManager sessions, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var filter = caller.IsAdmin ? tenantId : caller.TenantId;
        int? pageSize = null;
        if (limit is not null)
        {
            pageSize = int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxSessionPage
                ? n
                : throw new BadRequestException($"'limit' must be a whole number from 1 to {MaxSessionPage}, not '{limit}'.");
        }

        SessionListPosition? after = null;
        if (cursor is not null)
        {
            after = SessionListCursor.TryParse(cursor)
                ?? throw new BadRequestException("'cursor' is not a cursor this server gave out: pass the nextCursor of an earlier answer as it was, or leave it out to start from the beginning.");
        }

        if (pageSize is not { } size)
        {
            var all = after is null
                ? await sessions.ListSessionsAsync(filter, ct)
                : (await sessions.ListSessionsPageAsync(filter, int.MaxValue, after, ct)).Sessions;
            return TypedResults.Ok(new SessionList(all));
        }

        var page = await sessions.ListSessionsPageAsync(filter, size, after, ct);
        return TypedResults.Ok(new SessionList(page.Sessions, page.Next is { } next ? SessionListCursor.ToCursor(next) : null));
    }

    /// <summary>
    /// <c>PATCH /api/sessions/{id}</c>: the budget, the profile version, or both. The budget is set unless the body names
    /// a profile version and no budget: <c>{}</c> has always cleared it (the .NET client omits a null budget).
    /// </summary>
    private static async Task<Ok<SessionMetadata>> PatchSessionAsync(string id, HttpRequest request, IAgentSessionManager sessions, CancellationToken ct)
    {
        var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.JsonObject, ct);
        UpdateSessionBody update;
        try
        {
            update = System.Text.Json.JsonSerializer.Deserialize(body, AgentRuntimeJsonContext.Default.UpdateSessionBody)!;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new BadRequestException($"The request body is not a session update: {ex.Message}");
        }

        if (update.ProfileVersion is { } version)
        {
            int? number = version.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String when version.GetString() == "latest" => null,
                System.Text.Json.JsonValueKind.Number when version.TryGetInt32(out var n) && n >= 1 => n,
                _ => throw new BadRequestException($"'profileVersion' must be a version number (from 1) or \"latest\", not {version.GetRawText()}."),
            };
            await sessions.SetProfileVersionAsync(id, number, ct);
            if (!body.ContainsKey("budget"))
            {
                return TypedResults.Ok((await sessions.GetSessionAsync(id, ct)).Metadata ?? new SessionMetadata());
            }
        }

        return TypedResults.Ok(await sessions.SetBudgetAsync(id, update.Budget, ct));
    }

    private static async ValueTask<object?> RequireVisibleSessionAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = Caller.From(http.User);
        if (!caller.IsAdmin)
        {
            var id = (string)http.GetRouteValue("id")!;
            var sessions = http.RequestServices.GetRequiredService<IAgentSessionManager>();
            if (await sessions.GetSessionTenantAsync(id, http.RequestAborted) != caller.TenantId)
            {
                throw new SessionNotFoundException(id);
            }
        }

        return await next(context);
    }

    private static async Task<Results<Ok<IReadOnlyList<SessionEvent>>, SseEventStream>> GetEventsAsync(string id, long? after, HttpContext context, IAgentSessionManager sessions, ApiKeys keys, CancellationToken ct)
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

        // A stream opened with an API key ends when the key is revoked.
        var revoked = Caller.From(context.User).KeyId is { } keyId ? await keys.WatchAsync(keyId, ct) : CancellationToken.None;
        return new SseEventStream(id, afterSeq, sessions, context.RequestServices.GetRequiredService<LiveEventEncodings>(), revoked);
    }
}
