using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Sessions;

// The concrete events of the SessionEvent union live together, in the order docs/protocol.md lists them.
namespace AgentRuntime.Events;

/// <summary>The conversation id of the main thread; subagent threads use their subagent id.</summary>
public static class Conversations
{
    /// <summary>The main thread's conversation id.</summary>
    public const string Main = "main";
}

/// <summary>A block began. Its content may grow through deltas until <see cref="BlockCompleteEvent"/>.</summary>
public sealed record BlockStartEvent : SessionEvent
{
    /// <summary><c>main</c> or a subagent id.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The block as it starts.</summary>
    public required ConversationBlock Block { get; init; }
}

/// <summary>Text appended to the <c>content</c> of a streaming block (assistant text or thinking).</summary>
public sealed record BlockDeltaEvent : SessionEvent
{
    /// <summary><c>main</c> or a subagent id.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The block that grows.</summary>
    public required string BlockId { get; init; }

    /// <summary>The text to append.</summary>
    public required string Delta { get; init; }
}

/// <summary>Some properties of a block changed, such as a tool call's <c>status</c>.</summary>
public sealed record BlockUpdateEvent : SessionEvent
{
    /// <summary><c>main</c> or a subagent id.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The block that changed.</summary>
    public required string BlockId { get; init; }

    /// <summary>The changed properties; on the wire, their new values in the block's own shape.</summary>
    public required BlockUpdate Updates { get; init; }
}

/// <summary>A block is final; <see cref="Block"/> is its complete state.</summary>
public sealed record BlockCompleteEvent : SessionEvent
{
    /// <summary><c>main</c> or a subagent id.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The finished block.</summary>
    public required string BlockId { get; init; }

    /// <summary>The block's final state.</summary>
    public required ConversationBlock Block { get; init; }
}

/// <summary>Token usage, cost or model of a conversation changed.</summary>
public sealed record MetadataUpdateEvent : SessionEvent
{
    /// <summary><c>main</c> or a subagent id.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The new totals.</summary>
    public required SessionMetadata Metadata { get; init; }
}

/// <summary>The session's runtime (loaded state, sandbox) changed.</summary>
public sealed record StatusEvent : SessionEvent
{
    /// <summary>The runtime as it is now.</summary>
    public required SessionRuntime Runtime { get; init; }
}

/// <summary>A turn began: the user's message is being answered.</summary>
public sealed record TurnStartedEvent : SessionEvent
{
    /// <summary>The turn, as returned by <c>POST /messages</c>.</summary>
    public required string TurnId { get; init; }
}

/// <summary>A turn ended normally, or because it was interrupted.</summary>
public sealed record TurnCompletedEvent : SessionEvent
{
    /// <summary>The turn that ended.</summary>
    public required string TurnId { get; init; }

    /// <summary><c>interrupted</c> when a client stopped the turn; absent when the agent finished its answer.</summary>
    public string? StopReason { get; init; }
}

/// <summary>A turn ended with an error.</summary>
public sealed record TurnFailedEvent : SessionEvent
{
    /// <summary>The turn that failed.</summary>
    public required string TurnId { get; init; }

    /// <summary>What went wrong.</summary>
    public required string Error { get; init; }
}

/// <summary>
/// A tool call waits for a person's decision. It stays pending, for any client, until a
/// <see cref="ApprovalResolvedEvent"/> with the same id; the session's detail lists the pending ones.
/// </summary>
public sealed record ApprovalRequestedEvent : SessionEvent
{
    /// <summary>The approval, as <c>POST /api/sessions/{id}/approvals/{approvalId}</c> answers it.</summary>
    public required string ApprovalId { get; init; }

    /// <summary>The turn the request belongs to.</summary>
    public required string TurnId { get; init; }

    /// <summary><c>main</c> or the subagent whose thread the tool call is in.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The tool call's block, when the agent announced it before asking.</summary>
    public string? BlockId { get; init; }

    /// <summary>The agent's id of the tool call.</summary>
    public string? ToolUseId { get; init; }

    /// <summary>The tool's name.</summary>
    public required string ToolName { get; init; }

    /// <summary>The tool's input, which an answer may change.</summary>
    public required JsonElement Input { get; init; }

    /// <summary>The answers the agent offers, when it offers a choice; empty for a plain allow or deny.</summary>
    public IReadOnlyList<Approvals.ApprovalOption> Options { get; init; } = [];

    /// <summary>When the request is denied if nobody answers it.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>An approval was decided, once: by a person, by its timeout, or by the runtime (an interrupt, a restart).</summary>
public sealed record ApprovalResolvedEvent : SessionEvent
{
    /// <summary>The approval decided.</summary>
    public required string ApprovalId { get; init; }

    /// <summary><c>allow</c> or <c>deny</c>.</summary>
    public required ApprovalDecisionKind Decision { get; init; }

    /// <summary>
    /// Who decided: the key id or user of the caller that answered, or <c>timeout</c>, <c>interrupt</c>,
    /// <c>restart</c> when the runtime did.
    /// </summary>
    public required string By { get; init; }

    /// <summary>The message the agent is given with a denial.</summary>
    public string? Message { get; init; }

    /// <summary>The input the tool runs with, when the answer changed it.</summary>
    public JsonElement? UpdatedInput { get; init; }

    /// <summary>Whether the answer stands for the rest of the session.</summary>
    public bool Remember { get; init; }
}

/// <summary>An approval's decision.</summary>
public enum ApprovalDecisionKind
{
    /// <summary>The tool runs.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("allow")]
    Allow,

    /// <summary>The tool does not run; the agent is told so.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("deny")]
    Deny,
}

/// <summary>The session's options changed; they apply from the next turn.</summary>
public sealed record OptionsUpdateEvent : SessionEvent
{
    /// <summary>The options as they are now.</summary>
    public required SessionOptions Options { get; init; }
}

/// <summary>An error that is not tied to a block.</summary>
public sealed record ErrorEvent : SessionEvent
{
    /// <summary>What went wrong.</summary>
    public required string Message { get; init; }

    /// <summary>A stable code for programs.</summary>
    public string? Code { get; init; }
}
