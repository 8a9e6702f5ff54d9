using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Gemini;
using AgentRuntime.Architectures.Gemini.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>Registers the <c>gemini-cli</c> architecture.</summary>
public static class GeminiCliAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Runs the Gemini CLI over the Agent Client Protocol in the session sandboxes, configured from
    /// <c>AgentRuntime:Gemini</c> (see <see cref="GeminiCliOptions"/>) and then by <paramref name="configure"/>.
    /// Invalid settings fail at start-up.
    /// </summary>
    public static IAgentRuntimeBuilder AddGeminiCli(this IAgentRuntimeBuilder builder, Action<GeminiCliOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<GeminiCliOptions>()
            .BindConfiguration(GeminiCliOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<GeminiCliOptions>, GeminiCliOptionsSetup>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiCliOptions>, GeminiCliOptionsSetup>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentArchitecture, GeminiCliArchitecture>());
        return builder;
    }
}
