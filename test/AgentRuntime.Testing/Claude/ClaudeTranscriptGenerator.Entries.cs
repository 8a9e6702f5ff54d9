using System.Globalization;
using System.Text.Json;

namespace AgentRuntime.Testing.Claude;

// The lines of each kind, as Claude Code writes them.
public sealed partial class ClaudeTranscriptGenerator
{
    private void Bookkeeping(FileWriter file)
    {
        file.Line(w =>
        {
            w.WriteString("type", "api-request-shape");
            w.WriteString("requestRef", Uuid());
            w.WriteStartArray("tools");
            foreach (var tool in new[] { "Bash", "Read", "Edit", "Write", "Grep", "Glob", "Agent", "TodoWrite" })
            {
                w.WriteStringValue(tool);
            }

            w.WriteEndArray();
            w.WriteNumber("systemPromptChars", 24_000 + _random.Next(1000));
            w.WriteString("timestamp", Timestamp());
        });
        file.Line(w =>
        {
            w.WriteString("type", "api-request");
            w.WriteString("requestRef", Uuid());
            w.WriteString("model", "claude-opus-5-5");
            w.WriteNumber("messages", _random.Next(2, 400));
            w.WriteString("timestamp", Timestamp());
        });
    }

    private void Progress(Utf8JsonWriter w, FileWriter file, ToolCall call)
    {
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteStartObject("data");
        w.WriteString("type", "bash_progress");
        w.WriteString("output", Text(_random.Next(3, 30)));
        w.WriteNumber("elapsedTimeSeconds", _random.Next(1, 60));
        w.WriteEndObject();
        w.WriteString("toolUseID", call.Id);
        w.WriteString("parentToolUseID", call.Id);
        w.WriteString("type", "progress");
        w.WriteString("uuid", Uuid());
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private void QueueOperation(Utf8JsonWriter w, string operation)
    {
        w.WriteString("type", "queue-operation");
        w.WriteString("operation", operation);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("sessionId", SessionId);
    }

    private void Attachment(Utf8JsonWriter w, FileWriter file)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteStartObject("attachment");
        w.WriteString("type", _random.Next(2) == 0 ? "environment" : "todo_reminder");
        w.WriteString("text", Text(_random.Next(10, 120)));
        w.WriteEndObject();
        w.WriteString("type", "attachment");
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        w.WriteStartArray("rendered");
        w.WriteStartObject();
        w.WriteString("content", $"<system-reminder>\n{Text(_random.Next(20, 150))}\n</system-reminder>");
        w.WriteEndObject();
        w.WriteEndArray();
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void User(Utf8JsonWriter w, FileWriter file, string? text, bool isMeta = false, bool images = false)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        w.WriteString("promptId", Uuid());
        w.WriteString("type", "user");
        w.WriteStartObject("message");
        w.WriteString("role", "user");
        if (images)
        {
            w.WriteStartArray("content");
            if (text is not null)
            {
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", text);
                w.WriteEndObject();
            }

            w.WriteStartObject();
            w.WriteString("type", "image");
            w.WriteStartObject("source");
            w.WriteString("type", "base64");
            w.WriteString("media_type", "image/png");
            w.WriteString("data", Base64(_random.Next(1_000, 12_000)));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("content", text);
        }

        w.WriteEndObject();
        if (isMeta)
        {
            w.WriteBoolean("isMeta", true);
        }

        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("permissionMode", "bypassPermissions");
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void Assistant(Utf8JsonWriter w, FileWriter file, string messageId, string model, int? apiBlockIndex, Action<Utf8JsonWriter> content, bool asDouble = false)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        // As the CLI writes it, the message comes before the entry's type.
        w.WriteStartObject("message");
        if (_random.Next(500) != 0)
        {
            w.WriteString("id", messageId);
        }

        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
        w.WriteStartArray("content");
        content(w);
        w.WriteEndArray();
        w.WriteString("stop_reason", "tool_use");
        w.WriteNull("stop_sequence");
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", _random.Next(1, 20));
        w.WriteNumber("cache_creation_input_tokens", _random.Next(0, 5000));
        w.WriteNumber("cache_read_input_tokens", _random.Next(0, 200_000));
        w.WriteNumber("output_tokens", _random.Next(1, 3000));
        w.WriteStartObject("server_tool_use");
        w.WriteNumber("web_search_requests", 0);
        w.WriteNumber("web_fetch_requests", 0);
        w.WriteEndObject();
        w.WriteString("service_tier", "standard");
        w.WriteStartObject("cache_creation");
        w.WriteNumber("ephemeral_1h_input_tokens", 0);
        w.WriteNumber("ephemeral_5m_input_tokens", _random.Next(0, 5000));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        if (apiBlockIndex is { } recorded && asDouble)
        {
            w.WritePropertyName("apiBlockIndex");
            w.WriteRawValue(string.Create(CultureInfo.InvariantCulture, $"{recorded}.0"));
        }
        else if (apiBlockIndex is { } index)
        {
            w.WriteNumber("apiBlockIndex", index);
        }

        w.WriteString("requestId", $"req_{Id(24)}");
        if (model == "<synthetic>")
        {
            w.WriteBoolean("isApiErrorMessage", true);
        }

        w.WriteString("type", "assistant");
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void ToolResults(Utf8JsonWriter w, FileWriter file, IReadOnlyList<ToolCall> calls)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        w.WriteString("promptId", Uuid());
        w.WriteString("type", "user");
        WriteMessage(w, w2 =>
        {
            foreach (var call in calls)
            {
                ToolResultContent(w2, call);
            }
        });
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        if (calls.Count == 1)
        {
            ToolUseResult(w, calls[0]);
        }

        w.WriteString("sourceToolAssistantUUID", file.LastUuid);
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void SystemEntry(Utf8JsonWriter w, FileWriter file, string subtype, Action<Utf8JsonWriter> details)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", false);
        w.WriteString("type", "system");
        w.WriteString("subtype", subtype);
        details(w);
        w.WriteBoolean("isMeta", false);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("uuid", uuid);
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void SidechainEntry(Utf8JsonWriter w, FileWriter file)
    {
        w.WriteString("parentUuid", Uuid());
        w.WriteBoolean("isSidechain", true);
        w.WriteStartObject("message");
        w.WriteString("id", $"msg_{Id(20)}");
        w.WriteString("model", "claude-opus-5-5");
        w.WriteStartArray("content");
        TextContent(w, Text(20));
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("type", "assistant");
        w.WriteString("uuid", Uuid());
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private void Envelope(Utf8JsonWriter w, FileWriter file, string type, string uuid)
    {
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteString("type", type);
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private static void WriteMessage(Utf8JsonWriter w, Action<Utf8JsonWriter> content)
    {
        w.WriteStartObject("message");
        w.WriteString("role", "user");
        w.WriteStartArray("content");
        content(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void ThinkingContent(Utf8JsonWriter w, string thinking)
    {
        w.WriteStartObject();
        w.WriteString("type", "thinking");
        w.WriteString("thinking", thinking);
        w.WriteString("signature", "EqQBCkYIBxgCKkD" + thinking.Length);
        w.WriteEndObject();
    }

    private static void TextContent(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void ToolUseContent(Utf8JsonWriter w, ToolCall call, string type = "tool_use")
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("id", call.Id);
        w.WriteString("name", call.Name);
        w.WritePropertyName("input");
        w.WriteRawValue(call.Input, skipInputValidation: true);
        w.WriteEndObject();
    }

    private static void Common(Utf8JsonWriter w, FileWriter file)
    {
        w.WriteString("userType", "external");
        w.WriteString("entrypoint", "sdk-cli");
        w.WriteString("cwd", Cwd);
        w.WriteString("sessionId", SessionId);
        w.WriteString("version", "2.1.330");
        w.WriteString("gitBranch", "main");
    }
}
