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

    /// <summary>
    /// The port this node listens on for the other nodes (<c>AgentRuntime:Cluster:SiloPort</c>; 11111, Orleans' own
    /// default). Used when <see cref="Mode"/> is not <see cref="ClusterMode.Embedded"/>: an embedded silo takes a free
    /// loopback port of its own.
    /// </summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// The IP address the other nodes reach this node at (<c>AgentRuntime:Cluster:AdvertisedAddress</c>). Unset (the
    /// default): the first address of this host's network interfaces that is not loopback, which is what a node of a
    /// real deployment (a VM, a container, a pod) needs. Set it when a host has several, or to <c>127.0.0.1</c> for nodes
    /// on one machine.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// The name of the cluster (<c>AgentRuntime:Cluster:ClusterId</c>, default <c>agent-runtime</c>). Nodes with the same
    /// name on the same database form one cluster; two deployments sharing a database tell themselves apart by it.
    /// </summary>
    public string ClusterId { get; set; } = "agent-runtime";
}

/// <summary>Where the nodes of a cluster find each other.</summary>
public enum ClusterMode
{
    /// <summary>One process, a cluster of its own: no membership table, no external service.</summary>
    Embedded,

    /// <summary>Nodes share a membership table in the PostgreSQL database the store uses.</summary>
    Postgres,
}
