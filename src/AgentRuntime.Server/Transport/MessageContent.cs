using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;

namespace AgentRuntime.Transport;

/// <summary>
/// The <c>content</c> of <c>POST /api/sessions/{id}/messages</c>: a string, or parts — <c>{type: "text", text}</c> and
/// <c>{type: "image", mediaType, data}</c> (base64) — whose texts are joined, in order, with blank lines.
/// </summary>
internal static class MessageContent
{
    public static (string Text, IReadOnlyList<MessageImage> Images) Read(JsonObject body)
    {
        switch (body["content"])
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return (value.GetValue<string>(), []);
            case JsonArray parts:
                var text = new StringBuilder();
                var images = new List<MessageImage>();
                foreach (var part in parts)
                {
                    switch (part is JsonObject o ? String(o, "type") : null)
                    {
                        case "text":
                            text.Append(text.Length > 0 ? "\n\n" : "").Append(String((JsonObject)part!, "text") ?? throw new BadRequestException("A text part needs 'text', a string."));
                            break;
                        case "image":
                            var image = (JsonObject)part!;
                            images.Add(new MessageImage
                            {
                                MediaType = String(image, "mediaType") ?? throw new BadRequestException("An image part needs 'mediaType', such as \"image/png\"."),
                                Data = String(image, "data") ?? throw new BadRequestException("An image part needs 'data', the image's bytes in base64."),
                            });
                            break;
                        default:
                            throw new BadRequestException("Each part of 'content' is {\"type\":\"text\",\"text\":...} or {\"type\":\"image\",\"mediaType\":...,\"data\":...}.");
                    }
                }

                return (text.ToString(), images);
            default:
                throw new BadRequestException("'content' must be a string, or an array of text and image parts.");
        }
    }

    private static string? String(JsonObject part, string name) =>
        part[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
