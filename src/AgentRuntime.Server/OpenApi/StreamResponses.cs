using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRuntime.OpenApi;

/// <summary>
/// A route whose success answer is, when the request asks for it with <c>Accept: text/event-stream</c>, a stream of
/// server-sent events rather than JSON: the document lists both content types of the one status, which route metadata
/// cannot say (it keeps one response type per status).
/// </summary>
internal sealed class StreamResponses : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var stream = context.Description.ActionDescriptor.EndpointMetadata.OfType<EventStreamMetadata>().FirstOrDefault();
        if (stream is null || operation.Responses?.TryGetValue("200", out var ok) != true || ok!.Content is null)
        {
            return Task.CompletedTask;
        }

        ok.Content["text/event-stream"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = stream.Description },
        };
        return Task.CompletedTask;
    }
}

/// <summary>Marks a route whose 200 is also a <c>text/event-stream</c>, described by <paramref name="description"/>.</summary>
internal sealed class EventStreamMetadata(string description)
{
    public string Description { get; } = description;
}
