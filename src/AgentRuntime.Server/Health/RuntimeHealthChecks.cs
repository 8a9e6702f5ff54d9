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
/// <c>/health</c> and <c>/healthz</c>: the store answers a read and takes a write, the sandbox provider isolates and
/// really starts a sandbox, and each architecture's CLI runs), each with a JSON report. Unhealthy is a <c>503</c>; an
/// architecture that cannot run makes the server degraded (<c>200</c>), since the others still serve. The sandbox and
/// CLI probes start processes, so their results are kept for <see cref="SandboxProbeInterval"/> and
/// <see cref="ArchitectureProbeInterval"/>: a load balancer polling every second costs one probe each period.
/// </summary>
internal static class RuntimeHealthChecks
{
    private const string Ready = "ready";

    /// <summary>The liveness path: the process answers.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness paths: <c>/health/ready</c>, and <c>/health</c> and <c>/healthz</c>, which answer as it does.</summary>
    public static readonly IReadOnlyList<string> ReadyPaths = ["/health/ready", "/health", "/healthz"];

    /// <summary>How long a sandbox probe's result stands.</summary>
    public static readonly TimeSpan SandboxProbeInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long the architectures' probe result stands.</summary>
    public static readonly TimeSpan ArchitectureProbeInterval = TimeSpan.FromSeconds(60);

    public static void AddRuntimeHealthChecks(this IServiceCollection services)
    {
        // Singletons, so that their cached probe results outlive one request.
        services.AddSingleton<SandboxHealthCheck>();
        services.AddSingleton<ArchitecturesHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<NodeHealthCheck>("node", tags: [Ready])
            .AddCheck<StoreHealthCheck>("store", tags: [Ready])
            .AddCheck<SandboxHealthCheck>("sandbox", tags: [Ready])
            .AddCheck<ArchitecturesHealthCheck>("architectures", failureStatus: HealthStatus.Degraded, tags: [Ready]);
    }

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

    /// <summary>
    /// The node takes sessions: not once it is stopping or draining, so a load balancer stops sending it clients while
    /// it hands its sessions over (its running turns and open streams still finish).
    /// </summary>
    private sealed class NodeHealthCheck(Cluster.LocalSessions sessions, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(sessions.Draining || lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("This node is stopping: it hands its sessions over and takes no new ones.")
                : HealthCheckResult.Healthy("This node takes sessions."));
    }

    private sealed class StoreHealthCheck(IAgentStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // A read, then a write that is rolled back, each within 5 s; the first that fails says what the store cannot do.
            var failure = "The store does not answer";
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(TimeSpan.FromSeconds(5));
                await store.ListSessionSummariesAsync(null, null, 1, bounded.Token).ConfigureAwait(false);
                failure = "The store answers but does not take writes";
                bounded.CancelAfter(TimeSpan.FromSeconds(5));
                await store.CheckWritableAsync(bounded.Token).ConfigureAwait(false);
                return HealthCheckResult.Healthy($"{store.GetType().Name} answers and takes writes.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"{failure}: {ex.Message}");
            }
        }
    }

    /// <summary>The provider isolates, and a sandbox really starts and runs a process (bubblewrap works, a remote service answers).</summary>
    private sealed class SandboxHealthCheck(ISandboxProvider sandboxes, TimeProvider time) : IHealthCheck
    {
        private readonly CachedProbe _probe = new(time, SandboxProbeInterval);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var enforcement = sandboxes.Enforcement;
            return enforcement.Isolation
                ? _probe.GetAsync(StartOneAsync, cancellationToken)
                : Task.FromResult(HealthCheckResult.Unhealthy($"The sandbox provider cannot isolate here: {string.Join(" ", enforcement.Notes)}".TrimEnd(':', ' ')));
        }

        private async Task<HealthCheckResult> StartOneAsync(CancellationToken cancellationToken)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(20));
            try
            {
                var sandbox = await sandboxes.CreateAsync(new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = SandboxNetworkPolicy.None }, bounded.Token).ConfigureAwait(false);
                await using (sandbox.ConfigureAwait(false))
                {
                    var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "true" }, bounded.Token).ConfigureAwait(false);
                    await using (process.ConfigureAwait(false))
                    {
                        var exitCode = await process.Exited.WaitAsync(bounded.Token).ConfigureAwait(false);
                        return exitCode == 0
                            ? HealthCheckResult.Healthy($"The {sandboxes.Name} provider isolates and starts sandboxes.")
                            : HealthCheckResult.Unhealthy($"A {sandboxes.Name} sandbox starts, but a process in it exited with code {exitCode}.");
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"The {sandboxes.Name} provider cannot start a sandbox: {ex.Message}");
            }
        }
    }

    private sealed class ArchitecturesHealthCheck(IEnumerable<IAgentArchitecture> architectures, TimeProvider time) : IHealthCheck
    {
        private readonly CachedProbe _probe = new(time, ArchitectureProbeInterval);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            _probe.GetAsync(async ct =>
            {
                var all = await Task.WhenAll(architectures.Select(a => a.ProbeAsync(ct))).ConfigureAwait(false);
                var missing = all.Where(a => !a.Available).Select(a => $"{a.Name}: {a.Reason}").ToList();
                return missing.Count == 0
                    ? HealthCheckResult.Healthy($"{string.Join(", ", all.Select(a => a.Name))} can run.")
                    : new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", missing));
            }, cancellationToken);
    }

    /// <summary>A probe's last result, kept for a while; one caller probes at a time, the others wait for its result.</summary>
    private sealed class CachedProbe(TimeProvider time, TimeSpan interval)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private (DateTimeOffset At, HealthCheckResult Result)? _last;

        public async Task<HealthCheckResult> GetAsync(Func<CancellationToken, Task<HealthCheckResult>> probe, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_last is { } last && time.GetUtcNow() - last.At < interval)
                {
                    return last.Result;
                }

                var result = await probe(cancellationToken).ConfigureAwait(false);
                _last = (time.GetUtcNow(), result);
                return result;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
