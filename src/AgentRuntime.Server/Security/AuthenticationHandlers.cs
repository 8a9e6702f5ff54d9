using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Security;

/// <summary>Where a request's bearer credential is: the Authorization header, or the query for the routes that may take it there.</summary>
internal static class BearerCredential
{
    /// <summary>The credential, or null when the request has none.</summary>
    public static string? Read(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return MayUseQuery(context.Request) ? context.Features.Get<QueryAccessTokenFeature>()?.Token : null;
    }

    // Only the hub and the SSE stream take a token in the query: browsers cannot set headers there, and elsewhere a
    // token in a link would be a credential that travels in Referer headers and browser history.
    private static bool MayUseQuery(HttpRequest request) =>
        request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
        || (HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/api/sessions", StringComparison.OrdinalIgnoreCase)
            && request.Path.Value!.EndsWith("/events", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Authenticates <c>Authorization: Bearer ar_…</c> API keys against the store.</summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerCredential.Read(Context) is not { Length: > 0 } token)
        {
            return AuthenticateResult.NoResult();
        }

        if (await keys.VerifyAsync(token, Context.RequestAborted) is not { } key)
        {
            return AuthenticateResult.Fail("The API key is not valid, or it was revoked.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(Caller.Principal(SchemeName, key.TenantId, key.Scopes, key.KeyId), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => AuthProblems.ChallengeAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthProblems.ForbidAsync(Context);
}

/// <summary><c>Auth:Mode = none</c>: every caller is an admin of the default tenant (allowed on loopback addresses only).</summary>
internal sealed class NoAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "None";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Caller.Principal(SchemeName, Tenants.Default, ApiScopes.All, keyId: null), SchemeName)));

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthProblems.ForbidAsync(Context);
}

/// <summary>The 401 and 403 answers, as problem details like every other error of the API.</summary>
internal static class AuthProblems
{
    public static Task ChallengeAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send a valid credential: 'Authorization: Bearer <key>' (or '?access_token=<key>' on the event stream and the hub).");
    }

    public static Task ForbidAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "The credential lacks the scope this needs.");

    private static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetService(typeof(IProblemDetailsService)) as IProblemDetailsService;
        if (problems is null || !await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
            }))
        {
            await context.Response.WriteAsync(detail);
        }
    }
}
