using System.Text.Json;
using AgentRuntime.Architectures;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRuntime.Health;

/// <summary>
/// Health for operators and load balancers: <c>/health/live</c> (the process answers) and <c>/health/ready</c> (also at
/// <c>/health</c> and <c>/healthz</c>: the store
/// answers a read, the sandbox provider can isolate, and each architecture can run), each with a JSON report.
/// Unhealthy is a <c>503</c>; an architecture that cannot run makes the server degraded (<c>200</c>), since the others
/// still serve.
/// </summary>
internal static class RuntimeHealthChecks
{
    private const string Ready = "ready";

    /// <summary>The liveness path: the process answers.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness paths: <c>/health/ready</c>, and <c>/health</c> and <c>/healthz</c>, which answer as it does.</summary>
    public static readonly IReadOnlyList<string> ReadyPaths = ["/health/ready", "/health", "/healthz"];

    public static void AddRuntimeHealthChecks(this IServiceCollection services) => services.AddHealthChecks()
        .AddCheck<StoreHealthCheck>("store", tags: [Ready])
        .AddCheck<SandboxHealthCheck>("sandbox", tags: [Ready])
        .AddCheck<ArchitecturesHealthCheck>("architectures", failureStatus: HealthStatus.Degraded, tags: [Ready]);

    public static void MapRuntimeHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        // /health and /healthz, the paths load balancers try first, answer as /health/ready, never with the web UI.
        foreach (var path in ReadyPaths)
        {
            endpoints.MapHealthChecks(path, new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
        }
    }

    // {status, totalDurationMs, checks: {name: {status, description, durationMs}}}, written by hand: no reflection.
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", Name(report.Status));
            json.WriteNumber("totalDurationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", Name(entry.Status));
                json.WriteString("description", entry.Description ?? entry.Exception?.Message);
                json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).AsTask();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private sealed class StoreHealthCheck(IAgentStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(TimeSpan.FromSeconds(5));
                await store.ListSessionSummariesAsync(null, null, 1, bounded.Token).ConfigureAwait(false);
                return HealthCheckResult.Healthy($"{store.GetType().Name} answers.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"The store does not answer: {ex.Message}");
            }
        }
    }

    private sealed class SandboxHealthCheck(ISandboxProvider sandboxes) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var enforcement = sandboxes.Enforcement;
            return Task.FromResult(enforcement.Isolation
                ? HealthCheckResult.Healthy("The sandbox provider isolates.")
                : HealthCheckResult.Unhealthy($"The sandbox provider cannot isolate here: {string.Join(" ", enforcement.Notes)}".TrimEnd(':', ' ')));
        }
    }

    private sealed class ArchitecturesHealthCheck(IEnumerable<IAgentArchitecture> architectures) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var all = architectures.Select(a => a.GetAvailability()).ToList();
            var missing = all.Where(a => !a.Available).Select(a => $"{a.Name}: {a.Reason}").ToList();
            return Task.FromResult(missing.Count == 0
                ? HealthCheckResult.Healthy($"{string.Join(", ", all.Select(a => a.Name))} can run.")
                : new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", missing)));
        }
    }
}
