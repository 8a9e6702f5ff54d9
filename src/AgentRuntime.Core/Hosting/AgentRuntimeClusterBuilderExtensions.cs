using AgentRuntime.Cluster;
using Orleans.Hosting;

namespace AgentRuntime.Hosting;

/// <summary>Makes the server a node of a cluster of several (docs/scaling.md).</summary>
public static class AgentRuntimeClusterBuilderExtensions
{
    /// <summary>
    /// Replaces the embedded silo's clustering (a cluster of one on a free loopback port) by <paramref name="configure"/>'s:
    /// its membership provider, endpoints and cluster id. The silo's grains, serialization and place among the hosted
    /// services stay as they are. <paramref name="mode"/> must be the <c>AgentRuntime:Cluster:Mode</c> the options carry,
    /// which is checked at start-up. Call it once, after <c>AddAgentRuntime()</c>.
    /// </summary>
    /// <param name="builder">The runtime builder.</param>
    /// <param name="mode">The cluster mode this clustering implements (not <see cref="ClusterMode.Embedded"/>).</param>
    /// <param name="configure">Configures the silo's clustering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IAgentRuntimeBuilder UseSessionCluster(this IAgentRuntimeBuilder builder, ClusterMode mode, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (mode == ClusterMode.Embedded)
        {
            throw new ArgumentException("The embedded clustering is the default; a cluster of several servers has another mode.", nameof(mode));
        }

        builder.Services.ReplaceSessionClustering(mode, configure);
        return builder;
    }
}
