using System.Text.Json.Nodes;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>
/// Turns Claude's content blocks into conversation blocks. Shared by the live stream and the transcript parser, so
/// both give a block the same id and shape.
/// </summary>
internal static class ClaudeContent
{
    /// <summary>Id of a text or thinking block: Claude's message id and the block's index in that message.</summary>
    public static string ContentBlockId(string messageId, int index) => $"{messageId}:{index}";

    /// <summary>Id of the result block of a tool call.</summary>
    public static string ToolResultBlockId(string toolUseId) => $"{toolUseId}:result";

    /// <summary>Whether a tool starts a subagent: <c>Agent</c> in current versions, <c>Task</c> in older ones.</summary>
    public static bool IsSubagentTool(string? toolName) => toolName is "Agent" or "Task";

    /// <summary>The kind an assistant content block streams as: <c>text</c>, <c>thinking</c> or <c>tool_use</c>.</summary>
    public static string? StreamKind(string? contentType) => contentType switch
    {
        "text" => "text",
        "thinking" or "redacted_thinking" => "thinking",
        "tool_use" or "server_tool_use" or "mcp_tool_use" => "tool_use",
        _ => null,
    };

    /// <summary>The block a complete assistant content block becomes; tool calls are running until their result arrives.</summary>
    public static ConversationBlock FromAssistant(JsonObject content, string messageId, int index, string? model, DateTimeOffset timestamp)
    {
        var type = ClaudeJson.String(content, "type");
        switch (type)
        {
            case "text":
                return new AssistantTextBlock
                {
                    Id = ContentBlockId(messageId, index),
                    Timestamp = timestamp,
                    Content = ClaudeJson.String(content, "text") ?? "",
                    Model = model,
                };
            case "thinking":
                return new ThinkingBlock { Id = ContentBlockId(messageId, index), Timestamp = timestamp, Content = ClaudeJson.String(content, "thinking") ?? "" };
            case "redacted_thinking":
                // The reasoning is encrypted; the block still shows that the model thought here.
                return new ThinkingBlock { Id = ContentBlockId(messageId, index), Timestamp = timestamp, Content = "[redacted]" };
            case "tool_use" or "server_tool_use" or "mcp_tool_use":
                return ToolCall(content, ToolStatus.Running, timestamp);
            default:
                return new SystemBlock
                {
                    Id = ContentBlockId(messageId, index),
                    Timestamp = timestamp,
                    Subtype = "unknown_content",
                    Message = $"Claude sent a content block of type '{type}' that this runtime does not render.",
                    Metadata = (JsonObject)content.DeepClone(),
                };
        }
    }

    /// <summary>A tool call block (a <see cref="SubagentBlock"/> for the Agent tool) with the given status.</summary>
    public static ConversationBlock ToolCall(JsonObject content, ToolStatus status, DateTimeOffset timestamp)
    {
        var id = ClaudeJson.String(content, "id") ?? "";
        var name = ClaudeJson.String(content, "name") ?? "";
        var input = ClaudeJson.Object(content, "input") ?? new JsonObject();
        if (IsSubagentTool(name))
        {
            return new SubagentBlock
            {
                Id = id,
                Timestamp = timestamp,
                SubagentId = id,
                ToolUseId = id,
                Name = ClaudeJson.String(input, "subagent_type") ?? ClaudeJson.String(input, "description"),
                Input = ClaudeJson.ToElement(input),
                Status = status,
            };
        }

        return new ToolUseBlock { Id = id, Timestamp = timestamp, ToolName = name, ToolUseId = id, Input = ClaudeJson.ToElement(input), Status = status };
    }

    /// <summary>A tool result's content as text: a string as is, text blocks joined, other blocks named.</summary>
    public static string ToolResultText(JsonNode? content) => content switch
    {
        null => "",
        JsonValue value => value.TryGetValue<string>(out var text) ? text : value.ToJsonString(),
        JsonArray blocks => string.Join("\n", blocks.Select(BlockText)),
        _ => content.ToJsonString(),
    };

    /// <summary>
    /// A subagent's final answer: the report in the Agent tool's structured result (<c>tool_use_result.content</c>),
    /// which, unlike the tool_result the model sees, carries no hand-back framing. Its first <c>harnessNoteCount</c>
    /// and last <c>harnessTailCount</c> blocks are notes the CLI adds for the model (such as the tools used), not
    /// the report. Without a structured result, the tool_result text.
    /// </summary>
    public static string SubagentOutput(JsonNode? toolUseResult, JsonNode? toolResultContent)
    {
        if (ClaudeJson.Array(toolUseResult, "content") is not { Count: > 0 } content)
        {
            return ToolResultText(toolResultContent);
        }

        var notes = (int)Math.Clamp(ClaudeJson.Long(toolUseResult, "harnessNoteCount") ?? 0, 0, content.Count);
        var tail = (int)Math.Clamp(ClaudeJson.Long(toolUseResult, "harnessTailCount") ?? 0, 0, content.Count - notes);
        var report = content.Skip(notes).Take(content.Count - notes - tail).ToList();
        return report.Count == 0 ? ToolResultText(content) : string.Join("\n", report.Select(BlockText));
    }

    /// <summary>The text a user message carries (its text and image blocks, not its tool results), or <see langword="null"/>.</summary>
    public static string? UserText(JsonNode? content)
    {
        switch (content)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text;
            case JsonArray blocks:
                var parts = blocks.OfType<JsonObject>().Where(b => ClaudeJson.String(b, "type") != "tool_result").Select(BlockText).ToList();
                return parts.Count == 0 ? null : string.Join("\n", parts);
            default:
                return null;
        }
    }

    private static string BlockText(JsonNode? block) => ClaudeJson.String(block, "type") switch
    {
        "text" => ClaudeJson.String(block, "text") ?? "",
        "image" => "[image]",
        "document" => "[document]",
        _ => block?.ToJsonString() ?? "",
    };
}
