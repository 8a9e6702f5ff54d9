using System.Net;
using AgentRuntime.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace AgentRuntime.Host.Cluster;

/// <summary>
/// <c>AgentRuntime:Cluster:Mode=postgres</c>: every server on the same PostgreSQL store is a node of one cluster, whose
/// membership is Orleans' ADO.NET clustering in that same database (tables created at start by
/// <see cref="OrleansMembershipSchema"/>).
/// </summary>
internal static class PostgresSessionCluster
{
    /// <summary>Orleans' membership settings (probe timeout, missed probes, votes), bound onto its own options.</summary>
    public const string MembershipSection = "AgentRuntime:Cluster:Membership";

    /// <summary>Orleans' grain directory settings (the lease after a node's crash), bound onto its own options.</summary>
    public const string DirectorySection = "AgentRuntime:Cluster:Directory";

    /// <summary>The ADO.NET invariant name Orleans loads Npgsql's provider factory by.</summary>
    private const string NpgsqlInvariant = "Npgsql";

    // The same for every node of every deployment: Orleans keys durable state by it, which sessions do not have; the
    // cluster id is what tells two deployments on one database apart.
    private const string ServiceId = "agent-runtime";

    public static void Use(IAgentRuntimeBuilder runtime, string? store)
    {
        if (store?.ToLowerInvariant() is not ("postgres" or "postgresql"))
        {
            throw new InvalidOperationException(
                $"AgentRuntime:Cluster:Mode is postgres, which keeps the cluster's membership in the PostgreSQL store's database, but AgentRuntime:Store is "
                + $"'{(string.IsNullOrEmpty(store) ? "sqlite (the default)" : store)}': set AgentRuntime:Store=postgres and AgentRuntime:Postgres:ConnectionString.");
        }

        runtime.Services.AddOptions<AgentRuntimeOptions>()
            .Validate(o => o.Cluster.SiloPort is > 0 and <= 65535, "AgentRuntime:Cluster:SiloPort must be a TCP port (1 to 65535).")
            .Validate(o => o.Cluster.AdvertisedAddress is null || IPAddress.TryParse(o.Cluster.AdvertisedAddress, out _), "AgentRuntime:Cluster:AdvertisedAddress must be an IP address (such as 10.0.0.5), or unset to use this host's first address that is not loopback.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Cluster.ClusterId) && o.Cluster.ClusterId.Length <= 150, "AgentRuntime:Cluster:ClusterId must be a name of 1 to 150 characters.");

        runtime.UseSessionCluster(ClusterMode.Postgres, silo =>
        {
            silo.UseAdoNetClustering(options => options.Configure<IOptions<PostgresStoreOptions>>((ado, postgres) =>
            {
                ado.Invariant = NpgsqlInvariant;
                ado.ConnectionString = postgres.Value.ConnectionString;
            }));
            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<AgentRuntimeOptions>>((endpoints, options) =>
            {
                var cluster = options.Value.Cluster;
                endpoints.SiloPort = cluster.SiloPort;
                // No gateway: nothing outside the servers calls the cluster; clients reach a session through any server.
                endpoints.GatewayPort = 0;
                if (cluster.AdvertisedAddress is { } address && IPAddress.TryParse(address, out var ip))
                {
                    endpoints.AdvertisedIPAddress = ip;
                }
            });
            silo.Services.AddOptions<OrleansClusterOptions>().Configure<IOptions<AgentRuntimeOptions>>((ids, options) =>
            {
                ids.ServiceId = ServiceId;
                ids.ClusterId = options.Value.Cluster.ClusterId;
            });
            silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration(MembershipSection);
            // The strongly consistent grain directory. With Orleans' default one, a node that dies takes its part of the
            // directory with it, and the survivors deactivate every activation registered there: live sessions on
            // healthy nodes would be unloaded (their running turns cut off) because another node died. This one
            // rebuilds the lost part from the survivors' own activations, so only the dead node's sessions move.
#pragma warning disable ORLEANSEXP003 // Experimental in Orleans 10; the default directory's behaviour above is worse for sessions.
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
            // After a crash it holds the dead node's sessions for RangeLeaseDuration (30 s, less the time the verdict
            // took) before they may be activated elsewhere: a node wrongly declared dead has that long to notice and stop
            // its own activations, so a session never has two writers.
            silo.Services.AddOptions<GrainDirectoryOptions>().BindConfiguration(DirectorySection);
            silo.Services.AddSingleton<OrleansMembershipSchema>();
            silo.Services.AddSingleton<Orleans.ILifecycleParticipant<Orleans.Runtime.ISiloLifecycle>>(sp => sp.GetRequiredService<OrleansMembershipSchema>());
        });
    }
}
