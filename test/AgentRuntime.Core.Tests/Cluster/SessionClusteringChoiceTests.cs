using AgentRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace AgentRuntime.Core.Tests.Cluster;

/// <summary>Choosing the silo's clustering: the embedded default, replaced once by a cluster's.</summary>
public sealed class SessionClusteringChoiceTests
{
    [Fact]
    public void UseSessionCluster_ReplacesTheEmbeddedClusteringAndKeepsTheSilo()
    {
        var services = new ServiceCollection();
        var runtime = services.AddAgentRuntimeCore();
        Assert.Contains(services, d => d.ServiceType == typeof(IMembershipTable));
        var hostedServices = services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)).ToList();

        runtime.UseSessionCluster(ClusterMode.Postgres, _ => { });

        // The localhost clustering's membership table and the system target that serves it are gone; the silo, its
        // grains and its place among the hosted services are not.
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IMembershipTable));
        Assert.DoesNotContain(services, d => d.ServiceType.Name is "SystemTargetBasedMembershipTable" or "MembershipTableSystemTarget");
        Assert.Equal(hostedServices, services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)));
        Assert.Contains(services, d => d.ServiceType == typeof(IGrainFactory));
    }

    [Fact]
    public void UseSessionCluster_Twice_Throws()
    {
        var runtime = new ServiceCollection().AddAgentRuntimeCore();
        runtime.UseSessionCluster(ClusterMode.Postgres, _ => { });

        var error = Assert.Throws<InvalidOperationException>(() => runtime.UseSessionCluster(ClusterMode.Postgres, _ => { }));

        Assert.Contains("choose it once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseSessionCluster_WithTheEmbeddedMode_IsRefused()
    {
        var runtime = new ServiceCollection().AddAgentRuntimeCore();

        Assert.Throws<ArgumentException>(() => runtime.UseSessionCluster(ClusterMode.Embedded, _ => { }));
    }
}
