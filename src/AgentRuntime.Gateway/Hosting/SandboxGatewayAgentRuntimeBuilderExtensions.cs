using AgentRuntime.Gateway;
using AgentRuntime.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>Registers the sandbox gateway.</summary>
public static class SandboxGatewayAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Adds the sandbox gateway (<see cref="ISandboxGateway"/>): the model proxy that keeps API keys in the runtime and
    /// counts usage against budgets, and the egress proxy that holds sandboxes to their allowlist. Configured from
    /// <c>AgentRuntime:Gateway</c> (see <see cref="SandboxGatewayOptions"/>) and then by <paramref name="configure"/>;
    /// invalid settings fail at start-up. A gateway registered earlier by the application wins.
    /// </summary>
    public static IAgentRuntimeBuilder AddSandboxGateway(this IAgentRuntimeBuilder builder, Action<SandboxGatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<SandboxGatewayOptions>()
            .BindConfiguration(SandboxGatewayOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SandboxGatewayOptions>, SandboxGatewayOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<SandboxGateway>();
        builder.Services.TryAddSingleton<ISandboxGateway>(services => services.GetRequiredService<SandboxGateway>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SandboxGatewayHostedService>());
        return builder;
    }
}
