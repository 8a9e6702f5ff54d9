using System.Text.Json.Serialization;

namespace AgentRuntime.Sessions;

/// <summary>A change to the list of sessions, pushed to list subscribers.</summary>
public sealed record SessionListChange
{
    /// <summary>What happened.</summary>
    public required SessionListChangeKind Kind { get; init; }

    /// <summary>The session's id.</summary>
    public required string SessionId { get; init; }

    /// <summary>The tenant that owns the session; a subscriber sees only its own tenant's changes unless it is an admin.</summary>
    public required string TenantId { get; init; }

    /// <summary>The session as it is now; <see langword="null"/> when it was deleted.</summary>
    public SessionListItem? Session { get; init; }
}

/// <summary>The kinds of change to the session list.</summary>
public enum SessionListChangeKind
{
    /// <summary>A session was created.</summary>
    [JsonStringEnumMemberName("created")]
    Created,

    /// <summary>A session's list item changed (turn state, sandbox, activity).</summary>
    [JsonStringEnumMemberName("updated")]
    Updated,

    /// <summary>A session was deleted.</summary>
    [JsonStringEnumMemberName("deleted")]
    Deleted,
}
