using System.Security.Claims;
using AgentRuntime.Api;
using AgentRuntime.OpenApi;
using AgentRuntime.Persistence;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AgentRuntime.Transport;

/// <summary>The API key routes (<c>/api/keys</c>), for admins: the secret of a key is in the answer that creates it, and nowhere else.</summary>
internal static class KeyEndpoints
{
    public static void MapKeyApi(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys").RequireAuthorization(AgentRuntimeSecurityExtensions.AdminPolicy).WithTags("API keys");
        keys.MapPost("", async (HttpRequest request, ClaimsPrincipal user, ApiKeys apiKeys, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.CreateApiKeyBody, ct);
            var created = await apiKeys.CreateAsync(body.TenantId ?? Caller.From(user).TenantId, body.Scopes ?? [ApiScopes.Sessions], body.Name, ct);
            return TypedResults.Created($"/api/keys/{created.KeyId}", created);
        }).AcceptsJson<CreateApiKeyBody>()
            .WithName("CreateApiKey").WithSummary("Issues an API key; its secret is in this answer and nowhere else.");
        keys.MapGet("", async (string? tenantId, IAgentStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListApiKeysAsync(tenantId, ct))
                .Select(k => new ApiKeyInfo(k.KeyId, k.TenantId, k.Scopes, k.Name, k.CreatedAt))
                .ToList()))
            .WithName("ListApiKeys").WithSummary("The API keys, of every tenant or of ?tenantId=, without their secrets.");
        keys.MapDelete("/{keyId}", async Task<Results<NoContent, ProblemHttpResult>> (string keyId, ApiKeys apiKeys, CancellationToken ct) =>
            await apiKeys.RevokeAsync(keyId, ct)
                ? TypedResults.NoContent()
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "Key not found", $"There is no API key '{keyId}'."))
            .ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("RevokeApiKey").WithSummary("Revokes an API key at once; the event streams and hub connections open with it are closed.");
    }
}
