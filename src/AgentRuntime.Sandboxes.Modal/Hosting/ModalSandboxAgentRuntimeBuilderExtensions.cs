using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Modal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRuntime.Hosting;

/// <summary>Registers the Modal sandbox provider.</summary>
public static class ModalSandboxAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Makes Modal sandboxes available as the sandbox provider <c>modal</c> (settings under <c>AgentRuntime:Modal</c>).
    /// Profiles choose it with <c>"sandbox": {"provider": "modal"}</c>, or <c>AgentRuntime:SandboxProvider=modal</c>
    /// makes it every profile's default. Also serves the model relay (<c>/modal-relay/…</c>) through which Modal
    /// sandboxes reach the model proxy at <c>AgentRuntime:PublicUrl</c>.
    /// </summary>
    public static IAgentRuntimeBuilder AddModalSandbox(this IAgentRuntimeBuilder builder, Action<ModalSandboxOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<ModalSandboxOptions>()
            .BindConfiguration(ModalSandboxOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ServerUrl.Scheme == Uri.UriSchemeHttps || (o.ServerUrl.Scheme == Uri.UriSchemeHttp && o.ServerUrl.IsLoopback),
                "AgentRuntime:Modal:ServerUrl must be https (http only for a server on loopback).")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddOptions<AgentRuntimeOptions>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ModelRelay>();
        builder.Services.TryAddKeyedSingleton<ISandboxProvider, ModalSandboxProvider>(ModalSandboxProvider.ProviderName);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, ModelRelayStartupFilter>());
        return builder;
    }

    /// <summary>Puts the model relay first in the pipeline: its requests carry no API key and must not meet the API's authentication.</summary>
    private sealed class ModelRelayStartupFilter(ModelRelay relay) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments(ModelRelay.PathPrefix.TrimEnd('/'), StringComparison.Ordinal))
                {
                    await relay.HandleAsync(context).ConfigureAwait(false);
                    return;
                }

                await nextMiddleware(context).ConfigureAwait(false);
            });
            next(app);
        };
    }
}
