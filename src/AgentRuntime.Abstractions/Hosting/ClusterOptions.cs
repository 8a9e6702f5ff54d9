using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Hosting;

/// <summary>How the server's sessions are spread over nodes (<c>AgentRuntime:Cluster</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// <see cref="ClusterMode.Embedded"/> (the default): this process is a cluster of its own. <see cref="ClusterMode.Postgres"/>:
    /// every server on the same PostgreSQL store is a node of one cluster (<c>AgentRuntime:Cluster:Mode=postgres</c>).
    /// </summary>
    public ClusterMode Mode { get; set; } = ClusterMode.Embedded;

    /// <summary>
    /// How long a stopping node waits for its running turns to end before it unloads their sessions anyway
    /// (<c>AgentRuntime:Cluster:DrainTimeout</c>). Idle sessions are handed over at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Where the nodes of a cluster find each other.</summary>
public enum ClusterMode
{
    /// <summary>One process, a cluster of its own: no membership table, no external service.</summary>
    Embedded,

    /// <summary>Nodes share a membership table in the PostgreSQL database the store uses.</summary>
    Postgres,
}
