using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Hosting;
using AgentRuntime.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace AgentRuntime.Cluster;

/// <summary>The silo that hosts the sessions' grains, in the server's own process.</summary>
internal static class SessionClusterHosting
{
    /// <summary>The cluster's service id, the same for every node of one deployment.</summary>
    public const string ServiceId = "agent-runtime";

    /// <summary>
    /// Adds the embedded default: a silo in this process that is a cluster of its own, listening on a free loopback port
    /// (no gateway: nothing outside the process calls it), so a single server needs no external service.
    /// </summary>
    public static IServiceCollection AddEmbeddedSessionSilo(this IServiceCollection services)
    {
        services.AddOrleans(silo => silo.ConfigureSessionGrains());
        // The clustering's registrations are remembered, so that a cluster of several servers (UseSessionCluster) can
        // take exactly them out again: the silo itself, and its place among the hosted services, stay as they are.
        var before = new HashSet<ServiceDescriptor>(services, ReferenceEqualityComparer.Instance);
        services.AddOrleans(silo => silo.UseLocalhostClustering(siloPort: FreeLoopbackPort(), gatewayPort: 0, serviceId: ServiceId, clusterId: ServiceId));
        var clustering = services.Where(d => !before.Contains(d)).ToList();
        services.AddSingleton(new SessionClustering(ClusterMode.Embedded, clustering));
        return services;
    }

    /// <summary>
    /// Replaces the embedded silo's localhost clustering by <paramref name="configure"/>'s, for <paramref name="mode"/>.
    /// The silo keeps its place among the hosted services (after the runtime's, so it stops first).
    /// </summary>
    public static IServiceCollection ReplaceSessionClustering(this IServiceCollection services, ClusterMode mode, Action<ISiloBuilder> configure)
    {
        var current = services.LastOrDefault(d => d.ServiceType == typeof(SessionClustering))?.ImplementationInstance as SessionClustering
            ?? throw new InvalidOperationException("The session silo is not registered: call AddAgentRuntime() before choosing its clustering.");
        if (current.Mode != ClusterMode.Embedded)
        {
            throw new InvalidOperationException($"The session cluster's clustering is already {current.Mode}; choose it once.");
        }

        foreach (var descriptor in current.Registrations)
        {
            services.Remove(descriptor);
        }

        services.RemoveAll<SessionClustering>();
        services.AddOrleans(configure);
        services.AddSingleton(new SessionClustering(mode, []));
        return services;
    }

    /// <summary>What every silo of the runtime needs, whatever its clustering: how sessions' values cross nodes.</summary>
    public static ISiloBuilder ConfigureSessionGrains(this ISiloBuilder silo)
    {
        silo.Services.AddSessionSerialization();
        silo.AddPlacementDirector<SessionPlacement, SessionPlacementDirector>();
        silo.Services.AddSingleton<SessionListRelay>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionListRelay>());
        return silo;
    }

    /// <summary>How the sessions' values cross nodes, for a silo or for a client of the cluster.</summary>
    public static IServiceCollection AddSessionSerialization(this IServiceCollection services)
    {
        services.AddSerializer(serializer => serializer.AddJsonSerializer(
            isSerializable: IsJsonType,
            isCopyable: static _ => false,
            configureOptions: o => o.Configure(json => json.SerializerOptions = JsonOptions)));
        services.AddSingleton<IGeneralizedCopier>(new RuntimeValueCopier(IsJsonType));
        // The runtime's exceptions keep their type across nodes, so a 404 or a 409 is the same whichever node answers.
        services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("AgentRuntime"));
        return services;
    }

    // The session's values (events, blocks, options) cross nodes as the JSON of the wire protocol, which they already
    // round-trip; the grain interfaces' own messages have generated codecs.
    private static readonly JsonSerializerOptions JsonOptions = new(AgentRuntimeJsonContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(AgentRuntimeJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    private static bool IsJsonType(Type type) =>
        type.Namespace?.StartsWith("AgentRuntime", StringComparison.Ordinal) == true
        && !typeof(Exception).IsAssignableFrom(type)
        && !typeof(IAddressable).IsAssignableFrom(type)
        && type.GetCustomAttributes(typeof(GenerateSerializerAttribute), inherit: false).Length == 0;

    /// <summary>The clustering the silo was built with, checked against <c>AgentRuntime:Cluster:Mode</c> at start.</summary>
    internal sealed record SessionClustering(ClusterMode Mode, IReadOnlyList<ServiceDescriptor> Registrations);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
