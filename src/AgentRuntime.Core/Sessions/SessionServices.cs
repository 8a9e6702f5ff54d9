using AgentRuntime.Architectures;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

/// <summary>What every session actor needs from the runtime, gathered so an actor takes one argument.</summary>
internal sealed record SessionServices(
    IAgentStore Store,
    ISandboxProvider SandboxProvider,
    Gateway.ISandboxGateway? Gateway,
    IReadOnlyDictionary<string, IAgentArchitecture> Architectures,
    TimeProvider Time,
    AgentRuntimeOptions Options,
    SessionListFeed ListFeed,
    TenantQuotas Limits,
    Events.EventCommitter Committer,
    ILoggerFactory LoggerFactory,
    Profiles.ProfileSecrets? Secrets = null,
    Profiles.DependencyLayers? DependencyLayers = null,
    Func<string, ISandboxProvider?>? NamedSandboxProviders = null)
{
    /// <summary>The core's spans and instruments; the registration gives them the application's meter factory.</summary>
    public Diagnostics.RuntimeTelemetry Telemetry { get; init; } = Diagnostics.RuntimeTelemetry.Unscoped;
}
