namespace AgentRuntime.Events;

/// <summary>
/// A file of the session's workspace changed: the agent wrote or deleted it, or a client uploaded or deleted it.
/// Text files up to a size limit carry their content; larger or binary ones are stored and fetched by path.
/// </summary>
public abstract record FileEvent : SessionEvent
{
    /// <summary>Path relative to the workspace, with forward slashes.</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes (0 when deleted).</summary>
    public long Size { get; init; }

    /// <summary>Lower-case hex SHA-256 of the content (empty when deleted).</summary>
    public string Hash { get; init; } = "";

    /// <summary>The content of a UTF-8 text file under the inline limit; absent otherwise.</summary>
    public string? Content { get; init; }
}

/// <summary>A file appeared in the workspace.</summary>
public sealed record FileCreatedEvent : FileEvent;

/// <summary>A file of the workspace changed.</summary>
public sealed record FileModifiedEvent : FileEvent;

/// <summary>A file left the workspace.</summary>
public sealed record FileDeletedEvent : FileEvent;
