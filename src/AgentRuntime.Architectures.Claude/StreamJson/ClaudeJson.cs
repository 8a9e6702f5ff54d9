using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>Tolerant readers for Claude Code's JSON: a field of an unexpected kind reads as absent rather than throwing.</summary>
internal static class ClaudeJson
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

        if (value.TryGetValue<long>(out var l))
        {
            return l;
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

    public static DateTimeOffset? Timestamp(JsonNode? node, string name = "timestamp") =>
        String(node, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime()
            : null;

    public static JsonObject? Object(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonObject : null;

    public static JsonArray? Array(JsonNode? node, string name) => node is JsonObject obj ? obj[name] as JsonArray : null;

    public static JsonElement ToElement(JsonNode? node)
    {
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "{}");
        return document.RootElement.Clone();
    }

    /// <summary>
    /// A status for <see cref="Events.BlockUpdateEvent.Updates"/>, camelCase as the protocol documents it (and as the
    /// core writes it). The shared JSON context itself writes enum names as declared; it reads either.
    /// </summary>
    public static JsonNode Status(ToolStatus status) => JsonValue.Create(JsonNamingPolicy.CamelCase.ConvertName(status.ToString()));
}
