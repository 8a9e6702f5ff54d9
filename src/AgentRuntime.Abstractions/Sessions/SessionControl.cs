using System.Text.Json;

namespace AgentRuntime.Sessions;

/// <summary>A person's answer to an approval.</summary>
public sealed record ApprovalAnswer
{
    /// <summary>Allow or deny.</summary>
    public required Events.ApprovalDecisionKind Decision { get; init; }

    /// <summary>The input to run the tool with instead of the agent's (allow only).</summary>
    public JsonElement? UpdatedInput { get; init; }

    /// <summary>What the agent is told with a denial.</summary>
    public string? Message { get; init; }

    /// <summary>The agent's option to pick, when it offered options.</summary>
    public string? OptionId { get; init; }

    /// <summary>Whether an allow stands for this tool for the rest of the session.</summary>
    public bool Remember { get; init; }
}

/// <summary>A change of a session's options; what is absent stays.</summary>
public sealed record SessionOptionsUpdate
{
    /// <summary>The model; an empty string goes back to the profile's.</summary>
    public string? Model { get; init; }

    /// <summary>The permission mode.</summary>
    public Approvals.PermissionMode? PermissionMode { get; init; }

    /// <summary>Goes back to the profile's permission mode.</summary>
    public bool ClearPermissionMode { get; init; }
}
