using System.Text.Json.Serialization;

namespace AgentRuntime.Blocks;

/// <summary>Where a tool call or a subagent stands.</summary>
public enum ToolStatus
{
    /// <summary>Announced; its input may still be streaming.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>Waiting for a person to allow or deny it (<c>session:approval:requested</c>).</summary>
    [JsonStringEnumMemberName("awaiting_approval")]
    AwaitingApproval,

    /// <summary>Input complete, running.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Finished without error.</summary>
    [JsonStringEnumMemberName("success")]
    Success,

    /// <summary>Finished with an error, or its turn failed.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}
