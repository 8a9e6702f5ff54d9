using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Hosting;

/// <summary>
/// The paths the runtime answers itself: the REST API, the SignalR hub, the OpenAPI document and (in Development) its
/// reference page. A path under one of them that no endpoint serves is the runtime's own 404, so a host's fallback —
/// a web UI that answers every other path with its page — must leave them alone.
/// </summary>
public static class AgentRuntimePaths
{
    /// <summary>The OpenAPI document of the REST API, served to anyone.</summary>
    public const string OpenApiDocument = "/openapi/v1.json";

    /// <summary>The interactive API reference (Scalar), mapped only when the environment is Development.</summary>
    public const string ApiReference = "/scalar";

    private static readonly PathString[] Prefixes = ["/api", "/hubs", "/openapi", ApiReference];

    /// <summary>Whether <paramref name="path"/> is the runtime's: under <c>/api</c>, <c>/hubs</c>, <c>/openapi</c> or <c>/scalar</c>.</summary>
    public static bool IsRuntimePath(PathString path)
    {
        foreach (var prefix in Prefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
