using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRuntime.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Model;

/// <summary>
/// The proxy's span and measurements of a model call. The gateway logs for real here: with logging on, ASP.NET Core
/// makes its request a span of its own, parented by whatever <c>traceparent</c> the sandbox sent, which is what the
/// proxy's span must not continue.
/// </summary>
public sealed class ModelProxyTelemetryTests : IAsyncDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(logging => logging.AddProvider(new EveryLevel()).SetMinimumLevel(LogLevel.Trace));
    private readonly string _sessionId = Guid.NewGuid().ToString();

    public ModelProxyTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task ModelCall_DuringATurn_IsASpanOfTheTurnWithItsUsageAndIsMeasured()
    {
        var turn = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var measurements = new ConcurrentQueue<(string Name, double Value, string? Type)>();
        using var meterListener = ListenToGatewayMeters(measurements);

        var span = await CallAsync(new TracingObserver(turn), sandboxTraceparent: null);

        Assert.Equal(turn.TraceId, span.TraceId);
        Assert.Equal(turn.SpanId, span.ParentSpanId);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("anthropic", span.GetTagItem(Tags.GenAiProviderName));
        Assert.Equal("chat", span.GetTagItem(Tags.GenAiOperationName));
        Assert.Equal(FakeModelUpstream.AnthropicStreamModel, span.GetTagItem(Tags.GenAiResponseModel));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal(100L + 20 + 300, span.GetTagItem(Tags.InputTokens));
        Assert.Equal(42L, span.GetTagItem(Tags.OutputTokens));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        Assert.Equal([420.0], measurements.Where(m => m.Name == Names.TokenUsage && m.Type == "input").Select(m => m.Value));
        Assert.Equal([42.0], measurements.Where(m => m.Name == Names.TokenUsage && m.Type == "output").Select(m => m.Value));
        Assert.Equal((double)((100 * 3m + 42 * 15m + 20 * 3.75m + 300 * 0.30m) / 1_000_000m), Assert.Single(measurements, m => m.Name == Names.Cost).Value, 12);
        Assert.InRange(Assert.Single(measurements, m => m.Name == Names.ModelCallDuration).Value, 0, 20);
    }

    [Fact]
    public async Task ModelCall_WithTheSandboxsTraceparent_NeverContinuesTheSandboxsTrace()
    {
        var sandboxTrace = ActivityTraceId.CreateRandom();
        var sandboxSpan = ActivitySpanId.CreateRandom();
        var turn = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        var underTurn = await CallAsync(new TracingObserver(turn), $"00-{sandboxTrace}-{sandboxSpan}-01");
        var withoutTurn = await CallAsync(new TracingObserver(default), $"00-{sandboxTrace}-{sandboxSpan}-01");

        Assert.Equal(turn.TraceId, underTurn.TraceId);
        Assert.Equal(turn.SpanId, underTurn.ParentSpanId);
        // No turn to continue: a trace of its own, not the one the sandbox named.
        Assert.NotEqual(sandboxTrace, withoutTurn.TraceId);
        Assert.Equal(default, withoutTurn.ParentSpanId);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _metrics.DisposeAsync();
        _loggers.Dispose();
    }

    private MeterListener ListenToGatewayMeters(ConcurrentQueue<(string Name, double Value, string? Type)> measurements)
    {
        var factory = _metrics.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => measurements.Enqueue((i.Name, value, TypeOf(tags))));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => measurements.Enqueue((i.Name, value, TypeOf(tags))));
        listener.Start();
        return listener;

        static string? TypeOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == Tags.TokenType)
                {
                    return (string?)tag.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Makes one streamed Anthropic call through a lease of a real gateway; returns the proxy's span of it.</summary>
    private async Task<Activity> CallAsync(ISandboxGatewayObserver observer, string? sandboxTraceparent)
    {
        await using var upstream = await FakeModelUpstream.StartAsync(Token).WaitAsync(Bound, Token);
        var gateway = new SandboxGateway(Options.Create(new SandboxGatewayOptions()), _loggers, TimeProvider.System, _metrics.GetRequiredService<IMeterFactory>());
        await using (gateway)
        {
            using var lease = gateway.Open(Request(_sessionId, observer: observer));
            await using var sandbox = new SandboxSide(lease);
            var token = lease.GrantToken(new ModelUpstream(ModelApiKind.Anthropic, upstream.BaseUrl, ModelProxyHarness.AnthropicKey));
            using var client = sandbox.ModelClient();
            using var request = ModelProxyHarness.AnthropicRequest(token, stream: true);
            if (sandboxTraceparent is not null)
            {
                request.Headers.Add("traceparent", sandboxTraceparent);
            }

            var before = _spans.Count;
            using var response = await client.SendAsync(request, Token).WaitAsync(Bound, Token);
            await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);
            await ModelProxyUsageTests.WaitUntilAsync(() => _spans.Skip(before).Any(s => Equals(s.GetTagItem(Tags.SessionId), _sessionId)));
            return _spans.Skip(before).Single(s => s.OperationName == Names.ModelRequestSpan && Equals(s.GetTagItem(Tags.SessionId), _sessionId));
        }
    }

    private sealed class TracingObserver(ActivityContext turn) : ISandboxGatewayObserver
    {
        public ActivityContext TraceContext => turn;

        public void OnEgressDenied(string host, int port)
        {
        }

        public void OnBudgetExceeded(ModelBudget budget, ModelUsage usage)
        {
        }
    }

    private sealed class EveryLevel : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }
}
