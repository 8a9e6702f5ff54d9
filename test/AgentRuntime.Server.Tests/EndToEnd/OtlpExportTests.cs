using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// The host's OTLP export: on exactly when a standard <c>OTEL_EXPORTER_OTLP_*</c> endpoint is set, and then sending the
/// runtime's spans, metrics and logs to it — here a real OTLP/HTTP receiver on 127.0.0.1 that keeps what it is sent.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-tests-").FullName;
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
    private WebApplication _receiver = null!;
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync(TestContext.Current.CancellationToken);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            _received.Enqueue((context.Request.Path, body.ToArray()));
            // An empty protobuf message is a successful Export*ServiceResponse.
            context.Response.ContentType = "application/x-protobuf";
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await _receiver.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Host_WithoutAnOtlpEndpoint_SetsUpNoTelemetryAtAll()
    {
        await using var server = await RunningServer.StartAsync(_dataDirectory, _model, new Dictionary<string, string?> { ["AgentRuntime:Store"] = "memory" });

        Assert.Null(server.App.Services.GetService<TracerProvider>());
        Assert.Null(server.App.Services.GetService<MeterProvider>());
        // Meaningful only where the test's own environment names no endpoint.
        Assert.All(
            new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" },
            name => Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)), name));
    }

    [Fact]
    public async Task Host_WithAnOtlpEndpoint_ExportsTheRuntimesSpansMetricsAndLogs()
    {
        await using var server = await RunningServer.StartAsync(_dataDirectory, _model, new Dictionary<string, string?>
        {
            ["AgentRuntime:Store"] = "memory",
            ["Logging:LogLevel:AgentRuntime"] = "Information",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "agent-runtime-otlp-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        var session = await server.CreateSessionAsync();

        // A change of options is one append to the session's log: a span, and a count of one event.
        var patched = await server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}/options", new { permissionMode = "ask" }, TestContext.Current.CancellationToken);
        patched.EnsureSuccessStatusCode();

        await WaitForAsync("/v1/traces", "agent_runtime.events.append", session.SessionId, "agent-runtime-otlp-test");
        await WaitForAsync("/v1/metrics", "agent_runtime.events.appended", "agent_runtime.sessions.active");
        await WaitForAsync("/v1/logs", $"Created session {session.SessionId}");
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.StopAsync(CancellationToken.None);
        await _receiver.DisposeAsync();
        await _model.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    // Protobuf keeps strings as their UTF-8 bytes, so a name sent is found in the body as it is.
    private async Task WaitForAsync(string path, params string[] texts)
    {
        var deadline = DateTime.UtcNow + RunningServer.Timeout;
        while (!_received.Any(r => r.Path == path && texts.All(text => Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Nothing with {string.Join(", ", texts)} was exported to {path}; received: {string.Join(", ", _received.Select(r => r.Path))}.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
