using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Acp;
using AgentRuntime.Architectures.Acp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>Registers the generic <c>acp</c> architecture.</summary>
public static class AcpAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Runs any Agent Client Protocol agent in the session sandboxes, started with the command and arguments configured
    /// in <c>AgentRuntime:Acp</c> (see <see cref="AcpAgentOptions"/>) and then by <paramref name="configure"/>.
    /// Invalid settings fail at start-up.
    /// </summary>
    public static IAgentRuntimeBuilder AddAcpAgent(this IAgentRuntimeBuilder builder, Action<AcpAgentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Binding the section twice would append its Args and TranscriptDirectories twice.
        var registered = builder.Services.Any(d => d.ServiceType == typeof(IAgentArchitecture) && d.ImplementationType == typeof(AcpArchitecture));
        var options = builder.Services.AddOptions<AcpAgentOptions>();
        if (!registered)
        {
            options.BindConfiguration(AcpAgentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AcpAgentOptions>, AcpAgentOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentArchitecture, AcpArchitecture>());
        return builder;
    }
}
