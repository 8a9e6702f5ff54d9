using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>
/// Turns Claude's content blocks into conversation blocks. Shared by the live stream and the transcript parser, so
/// both give a block the same id and shape.
/// </summary>
internal static class ClaudeContent
{
    // Shared by every call without an input; a JsonElement is immutable and its document is never disposed.
    private static readonly JsonElement EmptyInput = JsonDocument.Parse("{}").RootElement;

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
    public static ConversationBlock FromAssistant(ClaudeBlock content, string messageId, int index, string? model, DateTimeOffset timestamp)
    {
        switch (content.Type)
        {
            case "text":
                return new AssistantTextBlock
                {
                    Id = ContentBlockId(messageId, index),
                    Timestamp = timestamp,
                    Content = content.Text ?? "",
                    Model = model,
                };
            case "thinking":
                return new ThinkingBlock { Id = ContentBlockId(messageId, index), Timestamp = timestamp, Content = content.Thinking ?? "" };
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
                    Message = $"Claude sent a content block of type '{content.Type}' that this runtime does not render.",
                    Metadata = content.ToNode(),
                };
        }
    }

    /// <summary>As <see cref="FromAssistant(ClaudeBlock, string, int, string?, DateTimeOffset)"/>, for a block built as a node.</summary>
    public static ConversationBlock FromAssistant(JsonObject content, string messageId, int index, string? model, DateTimeOffset timestamp) =>
        FromAssistant(ClaudeEntryReader.ReadBlock(content), messageId, index, model, timestamp);

    /// <summary>A tool call block (a <see cref="SubagentBlock"/> for the Agent tool) with the given status.</summary>
    public static ConversationBlock ToolCall(ClaudeBlock content, ToolStatus status, DateTimeOffset timestamp)
    {
        var id = content.Id ?? "";
        var name = content.Name ?? "";
        var input = content.Input ?? EmptyInput;
        if (IsSubagentTool(name))
        {
            return new SubagentBlock
            {
                Id = id,
                Timestamp = timestamp,
                SubagentId = id,
                ToolUseId = id,
                Name = String(input, "subagent_type") ?? String(input, "description"),
                Input = input,
                Status = status,
            };
        }

        return new ToolUseBlock { Id = id, Timestamp = timestamp, ToolName = name, ToolUseId = id, Input = input, Status = status };
    }

    /// <summary>As <see cref="ToolCall(ClaudeBlock, ToolStatus, DateTimeOffset)"/>, for a block built as a node (the stream's partial blocks).</summary>
    public static ConversationBlock ToolCall(JsonObject content, ToolStatus status, DateTimeOffset timestamp) =>
        ToolCall(ClaudeEntryReader.ReadBlock(content), status, timestamp);

    /// <summary>
    /// A tool result's content as text: a string as is, text blocks joined, other blocks named. Read with the block
    /// (<see cref="ClaudeBlock.ResultText"/>); this is for content built as a node.
    /// </summary>
    public static string ToolResultText(JsonNode? content) => content is null ? "" : ClaudeEntryReader.ToolResultText(ClaudeEntryReader.Utf8(content));

    /// <summary>
    /// A subagent's final answer: the report in the Agent tool's structured result (<c>tool_use_result.content</c>),
    /// which, unlike the tool_result the model sees, carries no hand-back framing. Its first <c>harnessNoteCount</c>
    /// and last <c>harnessTailCount</c> blocks are notes the CLI adds for the model (such as the tools used), not
    /// the report. Without a structured result, the tool_result text.
    /// </summary>
    public static string SubagentOutput(ClaudeToolUseResult? toolUseResult, string toolResultText)
    {
        if (toolUseResult?.Content is not { } array || ClaudeEntryReader.BlockTexts(array) is not { Count: > 0 } content)
        {
            return toolResultText;
        }

        var notes = (int)Math.Clamp(toolUseResult.HarnessNoteCount ?? 0, 0, content.Count);
        var tail = (int)Math.Clamp(toolUseResult.HarnessTailCount ?? 0, 0, content.Count - notes);
        var report = content.Skip(notes).Take(content.Count - notes - tail).ToList();
        return string.Join("\n", report.Count == 0 ? content : report);
    }

    /// <summary>As <see cref="SubagentOutput(ClaudeToolUseResult?, string)"/>, for a result built as nodes.</summary>
    public static string SubagentOutput(JsonNode? toolUseResult, JsonNode? toolResultContent)
    {
        var result = toolUseResult is JsonObject ? ClaudeEntryReader.Read(new JsonObject { ["tool_use_result"] = toolUseResult.DeepClone() }).ToolUseResult : null;
        return SubagentOutput(result, ToolResultText(toolResultContent));
    }

    /// <summary>The text a user message carries (its text and image blocks, not its tool results), or <see langword="null"/>.</summary>
    public static string? UserText(ClaudeEntry message)
    {
        if (message.ContentText is { } text)
        {
            return text;
        }

        if (message.ContentBlocks is not { } blocks)
        {
            return null;
        }

        var parts = blocks.Where(b => b.Type != "tool_result").Select(BlockText).ToList();
        return parts.Count == 0 ? null : string.Join("\n", parts);
    }

    private static string BlockText(ClaudeBlock block) => block.Type switch
    {
        "text" => block.Text ?? "",
        "image" => "[image]",
        "document" => "[document]",
        _ => block.ToNode().ToJsonString(),
    };

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
