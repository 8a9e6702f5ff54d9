using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Hosting;

/// <summary>
/// Settings of the runtime, bound from the configuration section <c>AgentRuntime</c>
/// (so <c>AgentRuntime__DataDirectory</c> sets <see cref="DataDirectory"/> from the environment).
/// </summary>
public sealed class AgentRuntimeOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime";

    /// <summary>Where the runtime keeps its database and sandboxes. Relative paths are resolved against the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data";

    /// <summary>
    /// Where the runtime can be reached from sandboxes that run elsewhere (a Modal sandbox reaches the model proxy through
    /// it); when absent, the server's own first address, which only a sandbox on this machine can reach.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// The sandbox provider of profiles that name none (such as <c>local</c> or <c>modal</c>); the one registered as the
    /// default (<c>AddLocalSandbox()</c>) when absent.
    /// </summary>
    public string? SandboxProvider { get; set; }

    /// <summary>A directory of profile JSON files loaded at start-up, in addition to the shipped <c>default</c> profile.</summary>
    public string? ProfilesDirectory { get; set; }

    /// <summary>How long a sandbox may sit without a turn before it is closed. The session stays.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan SandboxIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a session may sit idle before it is unloaded from memory (it reloads on demand).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often a running sandbox's health is checked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest request body the message and session endpoints take, in bytes.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest workspace file a client may upload, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The most images one message may carry (<c>AgentRuntime:MaxImagesPerMessage</c>).</summary>
    [Range(0, 100)]
    public int MaxImagesPerMessage { get; set; } = 4;

    /// <summary>The largest image a message may carry, in bytes once decoded (<c>AgentRuntime:MaxImageBytes</c>).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxImageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// How long a tool call waits for a person to answer its approval before it is denied
    /// (<c>AgentRuntime:ApprovalTimeout</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an interrupted turn may take to stop before the agent is stopped the hard way
    /// (<c>AgentRuntime:InterruptGrace</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan InterruptGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How sessions are spread over nodes (<c>AgentRuntime:Cluster</c>).</summary>
    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>The data directory as an absolute path.</summary>
    public string GetFullDataDirectory() => Path.GetFullPath(DataDirectory);
}
