using AgentRuntime.Hosting;
using AgentRuntime.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AgentRuntime.OpenApi;

/// <summary>
/// The OpenAPI document of the REST API (<c>/openapi/v1.json</c>, for anyone: it is part of the public contract) and,
/// in Development, Scalar's interactive reference page at <c>/scalar</c> (<c>docs/openapi.md</c>).
/// </summary>
internal static class RuntimeOpenApi
{
    public const string DocumentName = "v1";

    private const string Title = "Agent Runtime API";

    public static IServiceCollection AddRuntimeOpenApi(this IServiceCollection services) => services.AddOpenApi(DocumentName, options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = Title,
                Version = DocumentName,
                Description = "Sessions of AI coding agents in sandboxes: create them, send messages, follow their events "
                    + "(JSON or server-sent events), answer approvals, read and write their workspaces, manage agent profiles and "
                    + "API keys. The SignalR hub at /hubs/sessions is described in docs/protocol.md, not here.",
            };
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer<SecuritySchemes>();
        options.AddDocumentTransformer<HealthPaths>();
        options.AddOperationTransformer<SecuritySchemes>();
        options.AddOperationTransformer<RequestBodyContentTypes>();
        options.AddOperationTransformer<StreamResponses>();
        options.AddSchemaTransformer<WireSchemas>();
    });

    public static void MapRuntimeOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        if (endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            var authenticated = endpoints.ServiceProvider.GetRequiredService<IOptions<AuthOptions>>().Value.Mode != AuthMode.None;
            endpoints.MapScalarApiReference(AgentRuntimePaths.ApiReference, options =>
            {
                options.Title = Title;
                // Everything the page needs is in the package: nothing is fetched from elsewhere, nothing is reported.
                options.DisableTelemetry().DisableAgent().DisableMcp().DisableDefaultFonts();
                if (authenticated)
                {
                    // The page's request client starts on the bearer credential, for the key to be pasted in.
                    options.AddPreferredSecuritySchemes([SecuritySchemes.BearerId]);
                }
            }).AllowAnonymous();
        }
    }
}
