using AgentRuntime.Approvals;

namespace AgentRuntime.Sessions;

/// <summary>
/// What a session sets for itself over its profile, from its next turn on: <c>PATCH /api/sessions/{id}/options</c>,
/// and the approvals answered "for the rest of the session". Kept in the session's log (<c>session:options:update</c>).
/// </summary>
public sealed record SessionOptions
{
    /// <summary>The model the agent uses instead of the profile's.</summary>
    public string? Model { get; init; }

    /// <summary>The permission mode instead of the profile's.</summary>
    public PermissionMode? PermissionMode { get; init; }

    /// <summary>Rules (as in <see cref="PermissionPolicy.Allow"/>) allowed for the rest of the session by answers.</summary>
    public IReadOnlyList<string> AllowedTools { get; init; } = [];
}
