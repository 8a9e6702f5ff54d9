using AgentRuntime.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentRuntime.Host;

/// <summary>
/// OTLP export of the runtime's traces, metrics and logs, switched on by the standard OpenTelemetry variables: an
/// endpoint (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or one per signal) turns it on, and every other <c>OTEL_*</c> setting
/// (protocol, headers, service name, resource attributes, <c>OTEL_SDK_DISABLED</c>, …) applies as the SDK reads it.
/// Without an endpoint nothing is set up: no exporter, and no listener, so the runtime records no spans at all.
/// </summary>
internal static class Telemetry
{
    /// <summary>The variables that say where OTLP goes; any one of them turns export on.</summary>
    public static readonly string[] EndpointVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    ];

    private const string DefaultServiceName = "agent-runtime";

    /// <summary>Adds OTLP export when the configuration (the environment, as a rule) names an endpoint; returns whether it did.</summary>
    public static bool AddOtlpExport(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!EndpointVariables.Any(name => !string.IsNullOrWhiteSpace(configuration[name])))
        {
            return false;
        }

        // The service's name unless the standard variables give one: theirs must win, and a name added here would not.
        var named = !string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"])
            || (configuration["OTEL_RESOURCE_ATTRIBUTES"]?.Contains("service.name=", StringComparison.Ordinal) ?? false);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!named)
                {
                    resource.AddService(DefaultServiceName);
                }
            })
            .WithTracing(tracing => tracing
                .AddSource(AgentRuntimeTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(AgentRuntimeTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            // Log scopes become attributes: a session's and a turn's entries carry SessionId, TenantId and TurnId.
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeScopes = true;
                logging.IncludeFormattedMessage = true;
            })
            .UseOtlpExporter();
        return true;
    }
}
