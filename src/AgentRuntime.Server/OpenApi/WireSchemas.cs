using AgentRuntime.Api;
using AgentRuntime.Sandboxes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRuntime.OpenApi;

/// <summary>
/// The schemas whose wire shape the .NET type does not show: a message's <c>content</c> is a string or an array of text
/// and image parts, a session's <c>profileVersion</c> a number or <c>"latest"</c>, and a network policy, which has a
/// converter of its own, a string or an object. Enums, written as strings, say so, and the whole-number query parameters
/// the handlers read as strings (<c>limit</c>, <c>version</c>) are integers.
/// </summary>
internal sealed class WireSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.ParameterDescription?.Name is "limit" or "version" && type == typeof(string))
        {
            // Query parameters the handlers parse themselves, to answer a bad one with a problem that names it.
            schema.Type = JsonSchemaType.Integer;
            schema.Format = "int32";
            schema.Minimum = "1";
            schema.Maximum = context.ParameterDescription.Name == "limit" ? $"{Transport.SessionEndpoints.MaxSessionPage}" : null;
        }
        else if (type.IsEnum && schema.Type is null && schema.Enum is { Count: > 0 })
        {
            schema.Type = JsonSchemaType.String;
        }
        else if (type == typeof(SandboxNetworkPolicy))
        {
            schema.OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["model-only", "none", "host"] },
                Object(("allow", new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String },
                    Description = "Hosts reachable besides the model: name or name:port; a leading *. matches every subdomain.",
                })),
            ];
        }
        else if (type == typeof(SendMessageBody) && schema.Properties is { } message)
        {
            message["content"] = new OpenApiSchema
            {
                Description = "The message: its text, or parts whose texts are joined with blank lines and whose images the model sees.",
                OneOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.String },
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema
                        {
                            OneOf =
                            [
                                Part("text", ("text", new OpenApiSchema { Type = JsonSchemaType.String })),
                                Part("image",
                                    ("mediaType", new OpenApiSchema { Type = JsonSchemaType.String, Description = "image/png, image/jpeg, image/gif or image/webp." }),
                                    ("data", new OpenApiSchema { Type = JsonSchemaType.String, Format = "byte", Description = "The image's bytes in base64." })),
                            ],
                        },
                    },
                ],
            };
            schema.Required = new HashSet<string> { "content" };
        }
        else if (type == typeof(UpdateSessionBody) && schema.Properties is { } update)
        {
            update["profileVersion"] = new OpenApiSchema
            {
                Description = "The version of its profile the session moves to. With no 'budget' beside it, the budget stays as it is.",
                OneOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
                    new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["latest"] },
                ],
            };
            // {} clears the budget: nothing is required.
            schema.Required?.Clear();
        }
        else if (type == typeof(AnswerApprovalBody) && schema.Properties is { } answer)
        {
            if (answer.TryGetValue("decision", out var decision) && decision is OpenApiSchema decisionSchema)
            {
                decisionSchema.Type = JsonSchemaType.String;
                decisionSchema.Enum = ["allow", "deny"];
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Part(string type, params (string Name, OpenApiSchema Schema)[] properties) =>
        Object([("type", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [type] }), .. properties]);

    /// <summary>An object of the given properties, all of them required.</summary>
    private static OpenApiSchema Object(params (string Name, OpenApiSchema Schema)[] properties)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(),
            Required = new HashSet<string>(),
        };
        foreach (var (name, property) in properties)
        {
            schema.Properties[name] = property;
            schema.Required.Add(name);
        }

        return schema;
    }
}
