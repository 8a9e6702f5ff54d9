using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRuntime.OpenApi;

/// <summary>Files a <see cref="DocumentedBody"/>'s schema under its content type (the generator assumes JSON for a body that names none).</summary>
internal sealed class RequestBodyContentTypes : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var body = context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedBody>().LastOrDefault();
        if (body is null || operation.RequestBody?.Content is not { Count: > 0 } content || content.ContainsKey(body.ContentType))
        {
            return Task.CompletedTask;
        }

        var media = content.Values.First();
        content.Clear();
        content[body.ContentType] = media;
        return Task.CompletedTask;
    }
}
