using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRuntime.Hosting;

/// <summary>Registers the local sandbox provider.</summary>
public static class LocalSandboxAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Runs sessions in directories on this machine (under <c>AgentRuntime:LocalSandbox:RootDirectory</c>, by default
    /// <c>&lt;DataDirectory&gt;/sandboxes</c>). A sandbox provider registered earlier by the application wins.
    /// </summary>
    public static IAgentRuntimeBuilder AddLocalSandbox(this IAgentRuntimeBuilder builder, Action<LocalSandboxOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<LocalSandboxOptions>()
            .BindConfiguration(LocalSandboxOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddOptions<AgentRuntimeOptions>();
        builder.Services.TryAddSingleton<ISandboxProvider, LocalSandboxProvider>();
        return builder;
    }
}
