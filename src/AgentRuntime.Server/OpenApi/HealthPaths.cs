using AgentRuntime.Health;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRuntime.OpenApi;

/// <summary>
/// The health checks (<see cref="RuntimeHealthChecks"/>) in the document. They are middleware endpoints, which the API
/// explorer does not see, and their report is written by hand; so are their paths and its schema here, beside each
/// other. They need no credential.
/// </summary>
internal sealed class HealthPaths : IOpenApiDocumentTransformer
{
    private const string Tag = "Health";
    private const string ReportSchema = "HealthCheckReport";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ReportSchema] = Report();
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = Tag, Description = "For load balancers and operators; no credential needed." });
        document.Paths ??= new OpenApiPaths();

        document.Paths[RuntimeHealthChecks.LivePath] = Path(document, "GetLiveness",
            "The process answers: always 200 with status healthy and no checks.", ready: false);
        foreach (var path in RuntimeHealthChecks.ReadyPaths)
        {
            // The aliases need ids of their own: operation ids are unique in a document.
            document.Paths[path] = Path(document, path == RuntimeHealthChecks.ReadyPaths[0] ? "GetReadiness" : $"GetReadiness_{path.Trim('/')}",
                "Readiness: the store answers a read, the sandbox provider can isolate, each architecture can run. 200 when healthy "
                + "or degraded (an architecture cannot run: the others still serve), 503 when unhealthy.", ready: true);
        }

        return Task.CompletedTask;
    }

    private static OpenApiPathItem Path(OpenApiDocument document, string operationId, string summary, bool ready)
    {
        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
            Responses = new OpenApiResponses { ["200"] = Answer(document, ready ? "Healthy or degraded" : "The process answers") },
        };
        if (ready)
        {
            operation.Responses["503"] = Answer(document, "Unhealthy");
        }

        var item = new OpenApiPathItem();
        item.AddOperation(HttpMethod.Get, operation);
        return item;
    }

    private static OpenApiResponse Answer(OpenApiDocument document, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = new OpenApiSchemaReference(ReportSchema, document) },
        },
    };

    // As RuntimeHealthChecks writes it: {status, totalDurationMs, checks: {name: {status, description, durationMs}}}.
    private static OpenApiSchema Report()
    {
        var status = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["healthy", "degraded", "unhealthy"] };
        var milliseconds = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A health report: the overall status and each check's (store, sandbox, architectures).",
            Required = new HashSet<string> { "status", "totalDurationMs", "checks" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = status,
                ["totalDurationMs"] = milliseconds,
                ["checks"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "status", "description", "durationMs" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["status"] = status,
                            ["description"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                            ["durationMs"] = milliseconds,
                        },
                    },
                },
            },
        };
    }
}
