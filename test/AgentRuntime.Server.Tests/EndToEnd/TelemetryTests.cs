using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// One real turn (the Claude Code CLI, one Bash tool call, the model through the runtime's proxy) with the runtime's
/// spans, metrics and log scopes collected in memory. Tests run in parallel in one process: spans are told apart by
/// the session's id, measurements by the meter's scope (this server's meter factory).
/// </summary>
public sealed class TelemetryTests : ServerTest
{
    // Every model answer reports the same usage, so what the proxy should have counted follows from how many it served.
    private static readonly ReplyUsage Usage = new(InputTokens: 11, OutputTokens: 13, CacheCreationInputTokens: 17, CacheReadInputTokens: 19);

    private readonly ScopedLogs _logs = new();

    internal override void ConfigureHost(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(_logs);
        builder.Logging.AddFilter<ScopedLogs>(null, LogLevel.Information);
    }

    [Fact]
    public async Task Turn_WithOneToolCall_RecordsItsSpansMetricsAndLogScopes()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(activityListener);
        using var metrics = new ServerMeasurements(Server.App.Services.GetRequiredService<IMeterFactory>());

        Model.AuxiliaryReply = Reply.Text("OK").WithUsage(Usage.InputTokens, Usage.OutputTokens, Usage.CacheCreationInputTokens, Usage.CacheReadInputTokens);
        Model.ExhaustedReply = Reply.Text("(script exhausted)").WithUsage(Usage.InputTokens, Usage.OutputTokens, Usage.CacheCreationInputTokens, Usage.CacheReadInputTokens);
        Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo traced > traced.txt", description = "Write a file" })
                .WithUsage(Usage.InputTokens, Usage.OutputTokens, Usage.CacheCreationInputTokens, Usage.CacheReadInputTokens),
            Reply.Text("Done.").WithUsage(Usage.InputTokens, Usage.OutputTokens, Usage.CacheCreationInputTokens, Usage.CacheReadInputTokens));
        var session = await Server.CreateSessionAsync();
        var events = await SubscribeHubAsync(session.SessionId);

        var turnId = await Server.SendMessageAsync(session.SessionId, "Write traced.txt please");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(120));
        var detail = await Server.GetSessionAsync(session.SessionId);
        var toolUse = Assert.Single(detail.Blocks.OfType<ToolUseBlock>());
        Assert.Equal(ToolStatus.Success, toolUse.Status);

        List<Activity> Mine() => [.. spans.Where(s => Equals(s.GetTagItem(Tags.SessionId), session.SessionId))];
        int ModelCalls() => Model.Requests.Count(r => r.IsMessages);

        // The CLI's side calls (a title, say) may still be finishing as the turn ends; their spans and tokens come then.
        await WaitUntilAsync(() =>
            Mine().Count(s => s.OperationName == Names.ModelRequestSpan && Equals(s.GetTagItem("url.path"), "/v1/messages")) == ModelCalls()
            && metrics.Sum(Names.TokenUsage, Tags.TokenType, "output") == ModelCalls() * Usage.OutputTokens
            && Mine().Where(s => s.OperationName == Names.EventsAppendSpan).Sum(s => (int)s.GetTagItem(Tags.EventCount)!) == detail.LastSeq);

        var mine = Mine();
        var turn = Assert.Single(mine, s => s.OperationName == Names.TurnSpan);
        Assert.Equal(turnId, turn.GetTagItem(Tags.TurnId));
        Assert.Equal(session.TenantId, turn.GetTagItem(Tags.TenantId));
        Assert.Equal("claude-agent-sdk", turn.GetTagItem(Tags.Architecture));
        Assert.Equal("completed", turn.GetTagItem(Tags.TurnOutcome));
        Assert.Equal(ActivityStatusCode.Unset, turn.Status);

        var tool = Assert.Single(mine, s => s.OperationName.StartsWith(Names.ToolSpanPrefix, StringComparison.Ordinal));
        Assert.Equal("execute_tool Bash", tool.DisplayName);
        Assert.Equal(turn.SpanId, tool.ParentSpanId);
        Assert.Equal(turn.TraceId, tool.TraceId);
        Assert.Equal("Bash", tool.GetTagItem(Tags.GenAiToolName));
        Assert.Equal(toolUse.ToolUseId, tool.GetTagItem(Tags.GenAiToolCallId));
        Assert.Equal(turnId, tool.GetTagItem(Tags.TurnId));
        Assert.NotEqual(ActivityStatusCode.Error, tool.Status);
        Assert.InRange(tool.StartTimeUtc, turn.StartTimeUtc, turn.StartTimeUtc + turn.Duration);

        var start = Assert.Single(mine, s => s.OperationName == Names.SandboxStartSpan);
        Assert.Equal(turn.SpanId, start.ParentSpanId);
        Assert.Equal("local", start.GetTagItem(Tags.SandboxProvider));
        Assert.Equal(detail.Runtime!.Sandbox!.SandboxId, start.GetTagItem(Tags.SandboxId));

        // Every call the CLI made to the model through the proxy, under the turn, with what the answer reported.
        var calls = mine.Where(s => s.OperationName == Names.ModelRequestSpan && Equals(s.GetTagItem("url.path"), "/v1/messages")).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, call =>
        {
            Assert.Equal(turn.TraceId, call.TraceId);
            Assert.Equal(turn.SpanId, call.ParentSpanId);
            Assert.Equal(ActivityKind.Client, call.Kind);
            Assert.Equal("anthropic", call.GetTagItem(Tags.GenAiProviderName));
            Assert.Equal(200, call.GetTagItem("http.response.status_code"));
            Assert.Equal((long)(Usage.InputTokens + Usage.CacheCreationInputTokens + Usage.CacheReadInputTokens), call.GetTagItem(Tags.InputTokens));
            Assert.Equal((long)Usage.OutputTokens, call.GetTagItem(Tags.OutputTokens));
        });

        // Each append a span of the session's, together every event of its log; the turn's own under the turn.
        var appends = mine.Where(s => s.OperationName == Names.EventsAppendSpan).ToList();
        Assert.Equal(detail.LastSeq, appends.Sum(s => (int)s.GetTagItem(Tags.EventCount)!));
        var turnStarted = events.Events.OfType<TurnStartedEvent>().Single(e => e.TurnId == turnId).Seq;
        Assert.Contains(appends, a => a.ParentSpanId == turn.SpanId && Equals(a.GetTagItem(Tags.FirstSeq), turnStarted));
        Assert.Contains(appends, a => a.ParentSpanId == turn.SpanId && Equals(a.GetTagItem(Tags.LastSeq), detail.LastSeq));

        var turns = Assert.Single(metrics.Of(Names.Turns));
        Assert.Equal(1, turns.Value);
        Assert.Equal("completed", turns.Tag(Tags.TurnOutcome));
        Assert.Equal("claude-agent-sdk", turns.Tag(Tags.Architecture));
        var duration = Assert.Single(metrics.Of(Names.TurnDuration)).Value;
        Assert.InRange(duration, 0.001, turn.Duration.TotalSeconds + 1);
        Assert.InRange(Assert.Single(metrics.Of(Names.TimeToFirstToken)).Value, 0.001, duration);
        Assert.Equal(detail.LastSeq, metrics.Sum(Names.EventsAppended));
        var sandboxStart = Assert.Single(metrics.Of(Names.SandboxStartDuration));
        Assert.True(sandboxStart.Value > 0);
        Assert.Equal("local", sandboxStart.Tag(Tags.SandboxProvider));
        Assert.Null(sandboxStart.Tag(Tags.ErrorType));

        Assert.Equal(ModelCalls() * (Usage.InputTokens + Usage.CacheCreationInputTokens + Usage.CacheReadInputTokens), metrics.Sum(Names.TokenUsage, Tags.TokenType, "input"));
        Assert.Equal(ModelCalls() * Usage.OutputTokens, metrics.Sum(Names.TokenUsage, Tags.TokenType, "output"));
        Assert.All(metrics.Of(Names.TokenUsage), m => Assert.Equal("anthropic", m.Tag(Tags.GenAiProviderName)));
        Assert.Equal(ModelCalls(), metrics.Of(Names.Cost).Count);
        Assert.True(metrics.Sum(Names.Cost) > 0);

        // The sandbox stays up between turns; the one session is loaded.
        metrics.Observe();
        Assert.Equal(1, metrics.Of(Names.ActiveSessions).Last().Value);
        Assert.Equal(1, metrics.Of(Names.LiveSandboxes).Last().Value);

        // A line the turn logged carries the session, its tenant and the turn.
        var started = Assert.Single(_logs.Entries, e => e.Message.Contains($"Session {session.SessionId} started sandbox", StringComparison.Ordinal));
        Assert.Equal(session.SessionId, started.Scope("SessionId"));
        Assert.Equal(session.TenantId, started.Scope("TenantId"));
        Assert.Equal(turnId, started.Scope("TurnId"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RunningServer.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The telemetry waited for never arrived.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The measurements of one server's meters (those its meter factory made), kept in order.</summary>
    private sealed class ServerMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();

        public ServerMeasurements(IMeterFactory meterFactory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public IReadOnlyList<Measurement> Of(string name) => [.. _measurements.Where(m => m.Name == name)];

        public double Sum(string name, string? tag = null, string? value = null) =>
            Of(name).Where(m => tag is null || m.Tag(tag) == value).Sum(m => m.Value);

        /// <summary>Reads the observed instruments now.</summary>
        public void Observe() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray()));
    }

    private sealed record Measurement(string Name, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public string? Tag(string name) => Tags.FirstOrDefault(t => t.Key == name).Value?.ToString();
    }

    /// <summary>A logger provider that keeps each entry with the properties of the scopes it was logged in.</summary>
    private sealed class ScopedLogs : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<Entry> _entries = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<Entry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        public sealed record Entry(string Message, IReadOnlyList<KeyValuePair<string, object?>> Scopes)
        {
            public object? Scope(string name) => Scopes.LastOrDefault(s => s.Key == name).Value;
        }

        private sealed class Logger(ScopedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<KeyValuePair<string, object?>>();
                owner._scopes.ForEachScope(
                    (scope, list) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> properties)
                        {
                            list.AddRange(properties);
                        }
                    },
                    scopes);
                owner._entries.Enqueue(new Entry(formatter(state, exception), scopes));
            }
        }
    }
}
