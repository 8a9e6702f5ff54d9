using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Blocks;

/// <summary>
/// The properties of a block that a <c>session:block:update</c> changes; those left <see langword="null"/> stay as
/// they are. On the wire it is the changed properties in the block's own shape, e.g. <c>{"status":"success"}</c>, so a
/// client may merge it into the block as a plain object. A property the block's type does not have is ignored.
/// </summary>
public sealed record BlockUpdate
{
    /// <summary>A tool call's or subagent's new status.</summary>
    public ToolStatus? Status { get; init; }

    /// <summary>A tool result's or subagent's output.</summary>
    public string? Output { get; init; }

    /// <summary>Whether a tool result is an error.</summary>
    public bool? IsError { get; init; }

    /// <summary>How long the tool ran, on a tool result.</summary>
    public long? DurationMs { get; init; }

    /// <summary>A system or error block's message.</summary>
    public string? Message { get; init; }

    /// <summary>A system block's structured details, such as a plan's entries.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>A tool call's name, once the agent says which tool it is.</summary>
    public string? ToolName { get; init; }

    /// <summary>A tool call's or subagent's complete input.</summary>
    public JsonElement? Input { get; init; }

    /// <summary>A subagent's name.</summary>
    public string? Name { get; init; }

    /// <summary>The whole text of a text, thinking or user message block.</summary>
    public string? Content { get; init; }

    /// <summary>The block with this update's properties set.</summary>
    public ConversationBlock ApplyTo(ConversationBlock block) => block switch
    {
        ToolUseBlock b => b with { Status = Status ?? b.Status, ToolName = ToolName ?? b.ToolName, Input = Input ?? b.Input },
        SubagentBlock b => b with { Status = Status ?? b.Status, Output = Output ?? b.Output, Input = Input ?? b.Input, Name = Name ?? b.Name },
        ToolResultBlock b => b with { Output = Output ?? b.Output, IsError = IsError ?? b.IsError, DurationMs = DurationMs ?? b.DurationMs },
        // The block keeps a copy: a JsonObject is mutable, and the event's own must not change with the block.
        SystemBlock b => b with { Message = Message ?? b.Message, Metadata = (JsonObject?)Metadata?.DeepClone() ?? b.Metadata },
        ErrorBlock b => b with { Message = Message ?? b.Message },
        AssistantTextBlock b => b with { Content = Content ?? b.Content },
        ThinkingBlock b => b with { Content = Content ?? b.Content },
        UserMessageBlock b => b with { Content = Content ?? b.Content },
        _ => block,
    };
}
