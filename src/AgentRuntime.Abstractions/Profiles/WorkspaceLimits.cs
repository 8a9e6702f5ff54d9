using System.Text.Json.Serialization;

namespace AgentRuntime.Profiles;

/// <summary>
/// What the runtime stores of a session's workspace after each scan (profile <c>workspaceLimits</c>). What exceeds a
/// limit stays in the sandbox but is not stored, and the conversation gets a <c>workspace_limit</c> notice saying
/// which limit; the turn goes on. Absent members take the defaults.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WorkspaceLimits
{
    /// <summary>The defaults: 10,000 files, 64 MiB per file, 512 MiB in all.</summary>
    public static WorkspaceLimits Default { get; } = new() { MaxFiles = 10_000, MaxFileBytes = 64L << 20, MaxTotalBytes = 512L << 20 };

    /// <summary>Files stored at most.</summary>
    public int? MaxFiles { get; init; }

    /// <summary>The largest single file stored, in bytes.</summary>
    public long? MaxFileBytes { get; init; }

    /// <summary>All stored files together, in bytes.</summary>
    public long? MaxTotalBytes { get; init; }

    /// <summary>These limits with the defaults filled in where absent.</summary>
    public WorkspaceLimits OrDefaults() => new()
    {
        MaxFiles = MaxFiles ?? Default.MaxFiles,
        MaxFileBytes = MaxFileBytes ?? Default.MaxFileBytes,
        MaxTotalBytes = MaxTotalBytes ?? Default.MaxTotalBytes,
    };
}
