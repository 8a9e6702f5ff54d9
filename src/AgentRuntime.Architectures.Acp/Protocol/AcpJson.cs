using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>Tolerant readers for ACP messages: a field of an unexpected kind reads as absent rather than throwing.</summary>
internal static class AcpJson
{
    public static string? String(JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(JsonNode? node, string name)
    {
        if (node is not JsonObject obj || obj[name] is not JsonValue value)
        {
            return null;
        }

        // A parsed value converts to any number type; one built in code only to its own.
        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        return value.TryGetValue<double>(out var d) ? (long)d : null;
    }

    public static decimal? Decimal(JsonNode? node, string name)
    {
        if (node is not JsonObject obj || obj[name] is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<decimal>(out var m))
        {
            return m;
        }

        return value.TryGetValue<double>(out var d) ? (decimal)d : null;
    }

    public static bool? Bool(JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<bool>(out var b) ? b : null;

    public static JsonObject? Object(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonObject : null;

    public static JsonArray? Array(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonArray : null;

    public static JsonElement ToElement(JsonNode? node)
    {
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "{}");
        return document.RootElement.Clone();
    }

    /// <summary>The text an ACP content block carries: text as is, other kinds named so that they are seen.</summary>
    public static string ContentText(JsonNode? content) => String(content, "type") switch
    {
        "text" => String(content, "text") ?? "",
        "image" => "[image]",
        "audio" => "[audio]",
        "resource_link" => $"[{String(content, "name") ?? String(content, "uri") ?? "resource"}]({String(content, "uri")})",
        "resource" => String(Object(content, "resource"), "text") ?? $"[{String(Object(content, "resource"), "uri") ?? "resource"}]",
        null => "",
        _ => content!.ToJsonString(),
    };
}
