using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>
/// A Gemini CLI session file read back the way the CLI reads it (0.61.0): JSON lines of metadata (<c>sessionId</c>,
/// <c>startTime</c>, ...), message records keyed by <c>id</c> (a record with a known id replaces the earlier one in
/// place), <c>$set</c> patches (a <c>messages</c> array replaces them all) and <c>$rewindTo</c> (drops a message and
/// everything after it). An older <c>.json</c> file is one object with its <c>messages</c>.
/// </summary>
internal sealed class GeminiConversation
{
    private GeminiConversation(JsonObject metadata, IReadOnlyList<JsonObject> messages)
    {
        Metadata = metadata;
        Messages = messages;
    }

    public JsonObject Metadata { get; }

    /// <summary>The messages in order: <c>user</c>, <c>gemini</c> (with <c>thoughts</c> and <c>toolCalls</c>), <c>info</c>, <c>warning</c>, <c>error</c>.</summary>
    public IReadOnlyList<JsonObject> Messages { get; }

    public string? SessionId => TolerantJson.String(Metadata, "sessionId");

    public string? LastUpdated => TolerantJson.String(Metadata, "lastUpdated") ?? TolerantJson.String(Metadata, "startTime");

    /// <summary>Whether the CLI would resume it: it holds something a person wrote or the model answered.</summary>
    public bool IsResumable => Messages.Any(IsResumableMessage);

    public static GeminiConversation Parse(byte[] content, string relativePath)
    {
        var text = Encoding.UTF8.GetString(content);
        if (relativePath.EndsWith(".json", StringComparison.Ordinal) && TryParse(text) is { } whole)
        {
            return new GeminiConversation(whole, (TolerantJson.Array(whole, "messages") ?? []).OfType<JsonObject>().ToList());
        }

        var metadata = new JsonObject();
        var messages = new OrderedDictionary<string, JsonObject>(StringComparer.Ordinal);
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line)
        {
            // A line cut short by a crash mid-write is skipped; the rest still reads.
            if (TryParse(line) is not { } record)
            {
                continue;
            }

            if (TolerantJson.String(record, "$rewindTo") is { } rewind)
            {
                var index = messages.IndexOf(rewind);
                if (index < 0)
                {
                    messages.Clear();
                }

                while (index >= 0 && messages.Count > index)
                {
                    messages.RemoveAt(messages.Count - 1);
                }
            }
            else if (TolerantJson.String(record, "id") is { } id)
            {
                messages[id] = record;
            }
            else if (TolerantJson.Object(record, "$set") is { } set)
            {
                if (TolerantJson.Array(set, "messages") is { } replaced)
                {
                    messages.Clear();
                    Add(messages, replaced);
                }

                Merge(metadata, set);
            }
            else if (TolerantJson.String(record, "sessionId") is not null)
            {
                Merge(metadata, record);
                Add(messages, TolerantJson.Array(record, "messages"));
            }
        }

        return new GeminiConversation(metadata, messages.Values.ToList());
    }

    /// <summary>
    /// A message's content as text: a string as is, text parts joined. Function calls and responses are left out, and
    /// so are thought parts: the CLI rewrites a resumed conversation with the model's thoughts among the parts, while
    /// the message's <c>thoughts</c> keep them too.
    /// </summary>
    public static string ContentText(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Concat(parts.Where(p => TolerantJson.Bool(p, "thought") != true).Select(p => TolerantJson.String(p, "text"))),
        JsonObject part when TolerantJson.Bool(part, "thought") != true => TolerantJson.String(part, "text") ?? "",
        _ => "",
    };

    /// <summary>Whether a user message is the CLI's own (its session context, a slash command), not something a person wrote.</summary>
    public static bool IsIgnoredUserText(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 || trimmed.StartsWith('/') || trimmed.StartsWith('?')
            || trimmed.StartsWith("<session_context>", StringComparison.Ordinal) || trimmed.StartsWith("<hook_context>", StringComparison.Ordinal);
    }

    private static bool IsResumableMessage(JsonObject message) => TolerantJson.String(message, "type") switch
    {
        "user" => !IsIgnoredUserText(ContentText(message["content"])),
        "gemini" => ContentText(message["content"]).Trim().Length > 0
            || TolerantJson.Array(message, "toolCalls") is { Count: > 0 }
            || TolerantJson.Array(message, "thoughts") is { Count: > 0 },
        _ => false,
    };

    private static void Add(OrderedDictionary<string, JsonObject> messages, JsonArray? records)
    {
        foreach (var message in records?.OfType<JsonObject>() ?? [])
        {
            if (TolerantJson.String(message, "id") is { } id)
            {
                messages[id] = message;
            }
        }
    }

    private static void Merge(JsonObject metadata, JsonObject record)
    {
        foreach (var (name, value) in record)
        {
            if (name != "messages")
            {
                metadata[name] = value?.DeepClone();
            }
        }
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
