using System.Text.Json;
using System.Text.Json.Nodes;

// The concrete blocks of the ConversationBlock union live together: each is a few properties,
// and they read best side by side, the way the protocol documents them.
namespace AgentRuntime.Blocks;

/// <summary>A message the user sent.</summary>
public sealed record UserMessageBlock : ConversationBlock
{
    /// <summary>The text of the message.</summary>
    public required string Content { get; init; }

    /// <summary>Images sent with the message, in order; absent when there are none.</summary>
    public IReadOnlyList<MessageImage>? Images { get; init; }
}

/// <summary>Text the assistant wrote; grows through <c>session:block:delta</c> events while streaming.</summary>
public sealed record AssistantTextBlock : ConversationBlock
{
    /// <summary>The text so far.</summary>
    public required string Content { get; init; }

    /// <summary>The model that wrote it, when known.</summary>
    public string? Model { get; init; }
}

/// <summary>The assistant's request to run a tool.</summary>
public sealed record ToolUseBlock : ConversationBlock
{
    /// <summary>Name of the tool, such as <c>Bash</c> or <c>Write</c>.</summary>
    public required string ToolName { get; init; }

    /// <summary>The agent's identifier of this call; the matching <see cref="ToolResultBlock"/> carries it too.</summary>
    public required string ToolUseId { get; init; }

    /// <summary>The tool's input as the model produced it; an empty object until known.</summary>
    public JsonElement Input { get; init; } = EmptyJson.Object;

    /// <summary>Where the call stands.</summary>
    public required ToolStatus Status { get; init; }
}

/// <summary>What a tool returned.</summary>
public sealed record ToolResultBlock : ConversationBlock
{
    /// <summary>The <see cref="ToolUseBlock.ToolUseId"/> this result answers.</summary>
    public required string ToolUseId { get; init; }

    /// <summary>The tool's output as text.</summary>
    public required string Output { get; init; }

    /// <summary>Whether the tool reported an error.</summary>
    public bool IsError { get; init; }

    /// <summary>Time from the call to its result, when known.</summary>
    public long? DurationMs { get; init; }
}

/// <summary>The model's visible reasoning.</summary>
public sealed record ThinkingBlock : ConversationBlock
{
    /// <summary>The reasoning text so far.</summary>
    public required string Content { get; init; }
}

/// <summary>A notice from the agent or the runtime that is not part of the dialogue (init, status, unknown messages).</summary>
public sealed record SystemBlock : ConversationBlock
{
    /// <summary>What kind of notice, such as <c>init</c> or <c>unknown_message</c>.</summary>
    public required string Subtype { get; init; }

    /// <summary>A human-readable line.</summary>
    public required string Message { get; init; }

    /// <summary>Structured details, often the agent's original message.</summary>
    public JsonObject? Metadata { get; init; }
}

/// <summary>A subagent the assistant started (Claude's Task/Agent tool); its own blocks form a thread with <c>conversationId = SubagentId</c>.</summary>
public sealed record SubagentBlock : ConversationBlock
{
    /// <summary>Identifier of the subagent's thread.</summary>
    public required string SubagentId { get; init; }

    /// <summary>The subagent's name or type, when known.</summary>
    public string? Name { get; init; }

    /// <summary>The input it was started with; an empty object until known.</summary>
    public JsonElement Input { get; init; } = EmptyJson.Object;

    /// <summary>Where the subagent stands.</summary>
    public required ToolStatus Status { get; init; }

    /// <summary>Its final answer, once done.</summary>
    public string? Output { get; init; }

    /// <summary>The tool call that started it.</summary>
    public string? ToolUseId { get; init; }
}

/// <summary>An error shown inline in the conversation.</summary>
public sealed record ErrorBlock : ConversationBlock
{
    /// <summary>What went wrong, for a person.</summary>
    public required string Message { get; init; }

    /// <summary>A stable code for programs, such as <c>missing_api_key</c>.</summary>
    public string? Code { get; init; }
}

/// <summary>Shared empty JSON values, so a block's JSON properties are never an undefined <see cref="JsonElement"/>.</summary>
internal static class EmptyJson
{
    public static readonly JsonElement Object = JsonDocument.Parse("{}").RootElement.Clone();
}
