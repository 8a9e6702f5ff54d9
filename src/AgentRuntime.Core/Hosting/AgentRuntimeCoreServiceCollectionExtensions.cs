using AgentRuntime.Architectures;
using AgentRuntime.Cluster;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>Registers the session core. Transports call this; applications call <c>AddAgentRuntime</c>.</summary>
public static class AgentRuntimeCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the session manager, its hosted service and the in-memory store (replaced by <c>UseSqlite()</c> and the like),
    /// with <see cref="AgentRuntimeOptions"/> bound from the <c>AgentRuntime</c> section and validated at start-up.
    /// </summary>
    public static IAgentRuntimeBuilder AddAgentRuntimeCore(this IServiceCollection services, Action<AgentRuntimeOptions>? configure = null)
    {
        var options = services.AddOptions<AgentRuntimeOptions>()
            .BindConfiguration(AgentRuntimeOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Cluster.DrainTimeout >= TimeSpan.Zero, "AgentRuntime:Cluster:DrainTimeout must not be negative.")
            .Validate<SessionClusterHosting.SessionClustering>(
                (o, clustering) => o.Cluster.Mode != ClusterMode.Postgres || clustering.Mode == ClusterMode.Postgres,
                "AgentRuntime:Cluster:Mode is postgres, which keeps the cluster's membership in the PostgreSQL store's database, but this server "
                + "has no PostgreSQL store: set AgentRuntime:Store=postgres and AgentRuntime:Postgres:ConnectionString.")
            .Validate<SessionClusterHosting.SessionClustering>(
                (o, clustering) => clustering.Mode == ClusterMode.Embedded || o.Cluster.Mode == clustering.Mode,
                "The server was built as a node of a cluster but AgentRuntime:Cluster:Mode says embedded: set it to the cluster's mode.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // A draining node must be given the time to drain before the host gives up on stopping it gracefully.
        services.AddOptions<Microsoft.Extensions.Hosting.HostOptions>().Configure<IOptions<AgentRuntimeOptions>>((host, runtime) =>
        {
            var drain = runtime.Value.Cluster;
            var needed = drain.DrainTimeout + TimeSpan.FromSeconds(30);
            if (drain.Mode != ClusterMode.Embedded && host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.AddOptions<TenantLimitOptions>()
            .BindConfiguration($"{AgentRuntimeOptions.SectionName}:Limits")
            .ValidateDataAnnotations()
            .Validate(
                o => o.Tenants.Values.All(t => t.MaxSessions is null or > 0 && t.MaxRunningTurns is null or > 0 && t.MaxLiveSandboxes is null or > 0 && t.RequestsPerMinute is null or > 0),
                "Every limit under AgentRuntime:Limits:Tenants must be 1 or more.")
            .ValidateOnStart();
        services.AddOptions<DependencyLayerOptions>()
            .BindConfiguration(DependencyLayerOptions.SectionName)
            .Validate(o => o.InstallTimeout > TimeSpan.Zero, $"{DependencyLayerOptions.SectionName}:InstallTimeout must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new Diagnostics.RuntimeTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new Events.EventCommitter(sp.GetRequiredService<IAgentStore>(), sp.GetRequiredService<Diagnostics.RuntimeTelemetry>()));
        services.TryAddSingleton(sp => new TenantQuotas(sp.GetRequiredService<IOptions<TenantLimitOptions>>().Value, sp.GetRequiredService<IAgentStore>()));
        services.TryAddSingleton<IAgentStore, InMemoryAgentStore>();
        services.TryAddSingleton<SessionListFeed>();
        services.TryAddSingleton<ProfileCatalog>();
        services.TryAddSingleton(sp => new DependencyLayers(
            SandboxProviderOf(sp),
            sp.GetService<Gateway.ISandboxGateway>(),
            sp.GetRequiredService<IOptions<AgentRuntimeOptions>>().Value,
            sp.GetRequiredService<IOptions<DependencyLayerOptions>>().Value,
            sp.GetRequiredService<ILogger<DependencyLayers>>()));
        services.TryAddSingleton(sp => new SessionServices(
            sp.GetRequiredService<IAgentStore>(),
            SandboxProviderOf(sp),
            sp.GetService<Gateway.ISandboxGateway>(),
            sp.GetServices<IAgentArchitecture>().ToDictionary(a => a.Name, StringComparer.Ordinal),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<AgentRuntimeOptions>>().Value,
            sp.GetRequiredService<SessionListFeed>(),
            sp.GetRequiredService<TenantQuotas>(),
            sp.GetRequiredService<Events.EventCommitter>(),
            sp.GetRequiredService<ILoggerFactory>(),
            new Profiles.ProfileSecrets(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()),
            sp.GetRequiredService<DependencyLayers>(),
            // Providers besides the default (Modal) are registered keyed by their name.
            name => sp.GetKeyedService<ISandboxProvider>(name))
        {
            Telemetry = sp.GetRequiredService<Diagnostics.RuntimeTelemetry>(),
        });
        services.TryAddSingleton<Cluster.LocalSessions>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<SessionManager>(sp).WithObservedMetrics());
        services.TryAddSingleton<IAgentSessionManager>(sp => sp.GetRequiredService<SessionManager>());
        services.AddHostedService<AgentRuntimeHostedService>();
        // After the runtime's hosted service: hosted services stop in reverse order, so the silo stops first (its grains
        // unload their sessions) while the store is still there. Every session, in one process or many, is a grain.
        services.AddEmbeddedSessionSilo();
        return new AgentRuntimeBuilder(services);
    }

    private static ISandboxProvider SandboxProviderOf(IServiceProvider services) => services.GetService<ISandboxProvider>()
        ?? throw new InvalidOperationException("No sandbox provider is registered. Call AddLocalSandbox() (or another provider) on the agent runtime builder.");

    private sealed class AgentRuntimeBuilder(IServiceCollection services) : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
