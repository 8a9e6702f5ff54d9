using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Claude;
using AgentRuntime.Architectures.Claude.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>Registers the <c>claude-agent-sdk</c> architecture.</summary>
public static class ClaudeCodeAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Runs Claude Code (the CLI the Claude Agent SDK drives) in the session sandboxes, configured from
    /// <c>AgentRuntime:Claude</c> (see <see cref="ClaudeCodeOptions"/>) and then by <paramref name="configure"/>.
    /// Invalid settings fail at start-up.
    /// </summary>
    public static IAgentRuntimeBuilder AddClaudeCode(this IAgentRuntimeBuilder builder, Action<ClaudeCodeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ClaudeCodeOptions>()
            .BindConfiguration(ClaudeCodeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ClaudeCodeOptions>, ClaudeCodeOptionsSetup>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClaudeCodeOptions>, ClaudeCodeOptionsSetup>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentArchitecture, ClaudeCodeArchitecture>());
        return builder;
    }
}
