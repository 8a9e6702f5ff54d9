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

/// <summary>A turn ended normally.</summary>
public sealed record TurnCompletedEvent : SessionEvent
{
    /// <summary>The turn that ended.</summary>
    public required string TurnId { get; init; }
}

/// <summary>A turn ended with an error.</summary>
public sealed record TurnFailedEvent : SessionEvent
{
    /// <summary>The turn that failed.</summary>
    public required string TurnId { get; init; }

    /// <summary>What went wrong.</summary>
    public required string Error { get; init; }
}

/// <summary>An error that is not tied to a block.</summary>
public sealed record ErrorEvent : SessionEvent
{
    /// <summary>What went wrong.</summary>
    public required string Message { get; init; }

    /// <summary>A stable code for programs.</summary>
    public string? Code { get; init; }
}
