using AgentRuntime.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace AgentRuntime.OpenApi;

/// <summary>
/// The credential of the configured <c>AgentRuntime:Auth:Mode</c> as the document's security scheme, and on each
/// operation that needs one the requirement with the scope it needs (<c>sessions</c>, or <c>admin</c> for the key
/// routes; an admin credential passes both). Anonymous operations (<c>/api/health</c>) have none, and so has every
/// operation when authentication is off (<c>none</c>, loopback only).
/// </summary>
internal sealed class SecuritySchemes(IOptions<AuthOptions> auth) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    /// <summary>The id of the bearer scheme in <c>components.securitySchemes</c>.</summary>
    public const string BearerId = "bearer";

    /// <summary>The id of the <c>access_token</c> query scheme that the event stream also takes.</summary>
    public const string QueryTokenId = "accessTokenQuery";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (auth.Value.Mode == AuthMode.None)
        {
            return Task.CompletedTask;
        }

        var jwt = auth.Value.Mode == AuthMode.Jwt;
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = jwt ? "JWT" : "ar_<keyId>.<secret>",
            Description = jwt
                ? $"A JWT bearer token. Its '{auth.Value.Jwt.TenantClaim}' claim names the tenant and its '{auth.Value.Jwt.ScopeClaim}' claim the scopes (sessions, admin)."
                : "An API key the runtime issued (POST /api/keys, or the admin key of the first start), as 'Authorization: Bearer ar_<keyId>.<secret>'. Its scopes: sessions, admin.",
        };
        document.Components.SecuritySchemes[QueryTokenId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = QueryAccessTokenFeature.ParameterName,
            Description = "The same credential in the query string, taken only by the event stream (and the SignalR hub): an EventSource cannot set headers.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (auth.Value.Mode == AuthMode.None || authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        List<string> scopes = authorize.Any(a => a.Policy == AgentRuntimeSecurityExtensions.AdminPolicy) ? [ApiScopes.Admin] : [ApiScopes.Sessions];
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerId, context.Document)] = scopes }];
        if (metadata.OfType<QueryAccessTokenMetadata>().Any())
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(QueryTokenId, context.Document)] = [.. scopes] });
        }

        return Task.CompletedTask;
    }
}

/// <summary>Marks a route that takes its credential in the <c>access_token</c> query parameter too (see <c>BearerCredential</c>).</summary>
internal sealed class QueryAccessTokenMetadata;
