using System.Text.Json.Serialization;
using AgentRuntime.Health;
using AgentRuntime.OpenApi;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRuntime.Hosting;

/// <summary>Adds the agent runtime to an ASP.NET Core application.</summary>
public static class AgentRuntimeServerExtensions
{
    /// <summary>
    /// Registers the runtime: sessions, the SignalR hub and the JSON contexts. Chain a store, a sandbox provider and
    /// architectures on the returned builder, e.g. <c>.UseSqlite().AddLocalSandbox().AddClaudeCode()</c>.
    /// </summary>
    public static IAgentRuntimeBuilder AddAgentRuntime(this IServiceCollection services, Action<AgentRuntimeOptions>? configure = null)
    {
        services.AddProblemDetails();
        // The context's own options (omit nulls) do not travel with its resolver into ASP.NET Core's options.
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default);
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddSignalR().AddJsonProtocol(options =>
        {
            options.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default);
            options.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            // The hub streams events as their JSON made once for every connection (HubEvent), not serialized per connection.
            options.PayloadSerializerOptions.TypeInfoResolverChain.Add(HubEventJsonContext.Default);
        });
        services.TryAddSingleton<LiveEventEncodings>();
        services.AddRuntimeHealthChecks();
        services.AddRuntimeOpenApi();
        // Every server keeps model keys out of its sandboxes: the gateway is part of the runtime, not an option.
        var runtime = services.AddAgentRuntimeCore(configure).AddSandboxGateway();
        // After the core, whose hosted service prepares the store that the first-start admin key goes into.
        services.AddAgentRuntimeSecurity();
        return runtime;
    }

    /// <summary>
    /// Adds the runtime's middleware: the Origin check, CORS, authentication, authorization and per-tenant rate limiting.
    /// Call it before <see cref="MapAgentRuntime"/> and before anything else that answers requests.
    /// </summary>
    public static IApplicationBuilder UseAgentRuntime(this IApplicationBuilder app)
    {
        app.UseAgentRuntimeSecurity();
        // A path of the runtime's (the API, the hub, the OpenAPI document) that no endpoint serves is the API's own 404,
        // never a page of the web UI or a blank answer (a method a route does not take keeps routing's 405).
        app.Use((context, next) => context.GetEndpoint() is null && AgentRuntimePaths.IsRuntimePath(context.Request.Path)
            ? ProblemMapping.Problem(StatusCodes.Status404NotFound, "Not found", $"No API route answers {context.Request.Method} {context.Request.Path}.").ExecuteAsync(context)
            : next(context));
        return app;
    }

    /// <summary>
    /// Maps the REST API under <c>/api</c> and the SignalR hub at <c>/hubs/sessions</c>, both behind authentication; the
    /// health checks under <c>/health</c> and the API's OpenAPI document at <see cref="AgentRuntimePaths.OpenApiDocument"/>,
    /// for anyone; and in Development the API reference page at <see cref="AgentRuntimePaths.ApiReference"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapAgentRuntime(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapSessionApi();
        endpoints.MapRuntimeHealthChecks();
        endpoints.MapRuntimeOpenApi();
        // A connection authenticated by a token that expires (a JWT) is closed when it does.
        endpoints.MapHub<SessionsHub>("/hubs/sessions", options => options.CloseOnAuthenticationExpiration = true).RequireAuthorization(AgentRuntimeSecurityExtensions.SessionsPolicy);
        return endpoints;
    }
}
