using System.Text.Json.Serialization;

namespace AgentRuntime.Sessions;

/// <summary>Whether a session is in memory and what its sandbox is doing.</summary>
public sealed record SessionRuntime
{
    /// <summary>Whether the session is loaded in this server's memory.</summary>
    public bool IsLoaded { get; init; }

    /// <summary>
    /// The cluster node the session is loaded on (its silo's endpoint, <c>address:port</c>), or <see langword="null"/>
    /// when it is not loaded. In a cluster, where its turns run and its sandbox lives.
    /// </summary>
    public string? Node { get; init; }

    /// <summary>The session's sandbox, or <see langword="null"/> when none is running.</summary>
    public SandboxInfo? Sandbox { get; init; }
}

/// <summary>The state of a session's sandbox.</summary>
public sealed record SandboxInfo
{
    /// <summary>The provider's identifier of the sandbox.</summary>
    public required string SandboxId { get; init; }

    /// <summary>Where the sandbox stands.</summary>
    public required SandboxStatus Status { get; init; }

    /// <summary>How many times a sandbox was started again for this session after the first.</summary>
    public int RestartCount { get; init; }

    /// <summary>When the sandbox was last found healthy or not.</summary>
    public DateTimeOffset? LastHealthCheck { get; init; }

    /// <summary>
    /// While the sandbox starts, what its provider last reported doing (such as a line of an image build's log); at most
    /// one update a second. Absent once it is ready.
    /// </summary>
    public string? Progress { get; init; }
}

/// <summary>Where a sandbox stands.</summary>
public enum SandboxStatus
{
    /// <summary>Being created.</summary>
    [JsonStringEnumMemberName("starting")]
    Starting,

    /// <summary>Running and able to take work.</summary>
    [JsonStringEnumMemberName("ready")]
    Ready,

    /// <summary>A health check failed.</summary>
    [JsonStringEnumMemberName("unhealthy")]
    Unhealthy,

    /// <summary>Stopped.</summary>
    [JsonStringEnumMemberName("terminated")]
    Terminated,
}

/// <summary>Whether a session is answering a message.</summary>
public enum TurnState
{
    /// <summary>Waiting for a message.</summary>
    [JsonStringEnumMemberName("idle")]
    Idle,

    /// <summary>A turn is in progress.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>A turn is in progress and waits for a person to answer an approval.</summary>
    [JsonStringEnumMemberName("awaiting_approval")]
    AwaitingApproval,
}
