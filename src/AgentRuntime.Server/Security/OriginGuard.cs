using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Security;

/// <summary>
/// Refuses, with 403, a browser request to the API or the hub from a page of another origin that is not in
/// <see cref="CorsSettings.Origins"/>. CORS alone does not stop them: a WebSocket is not subject to it, and a
/// "simple" cross-origin request (a form POST) is sent before the browser looks at any CORS header.
/// </summary>
internal sealed class OriginGuard(RequestDelegate next, IOptionsMonitor<CorsSettings> cors)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Origin is not [{ Length: > 0 } origin]
            || !(request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs"))
            || IsSameOrigin(origin, request)
            || cors.CurrentValue.Origins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Origin not allowed",
            detail: $"Pages from {origin} may not call this server; list the origin in AgentRuntime:Cors:Origins to allow it.").ExecuteAsync(context);
    }

    // The scheme is left out: behind a proxy that ends TLS the server sees http for a page served over https.
    private static bool IsSameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
