using System.Text.Json.Serialization;

namespace AgentRuntime.Blocks;

/// <summary>
/// One unit of a conversation as a client renders it: a user message, a piece of assistant text, a tool call, ...
/// Serialized with a <c>type</c> discriminator (<c>user_message</c>, <c>assistant_text</c>, ...).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UserMessageBlock), "user_message")]
[JsonDerivedType(typeof(AssistantTextBlock), "assistant_text")]
[JsonDerivedType(typeof(ToolUseBlock), "tool_use")]
[JsonDerivedType(typeof(ToolResultBlock), "tool_result")]
[JsonDerivedType(typeof(ThinkingBlock), "thinking")]
[JsonDerivedType(typeof(SystemBlock), "system")]
[JsonDerivedType(typeof(SubagentBlock), "subagent")]
[JsonDerivedType(typeof(ErrorBlock), "error")]
public abstract record ConversationBlock
{
    /// <summary>Identifier of the block, unique within its session.</summary>
    public required string Id { get; init; }

    /// <summary>When the block started.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
