using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures;

/// <summary>
/// Tolerant readers for an agent's JSON (Claude Code's stream-json, ACP messages): a field that is missing or of an
/// unexpected kind reads as absent rather than throwing, since an agent's output is not ours to trust.
/// </summary>
/// <remarks>Compiled into each architecture that reads agent JSON (linked from src/Shared).</remarks>
internal static class TolerantJson
{
    public static string? String(JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    public static bool? Bool(JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<bool>(out var b) ? b : null;

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

    public static JsonObject? Object(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonObject : null;

    public static JsonArray? Array(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonArray : null;

    public static JsonElement ToElement(JsonNode? node)
    {
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "{}");
        return document.RootElement.Clone();
    }
}
