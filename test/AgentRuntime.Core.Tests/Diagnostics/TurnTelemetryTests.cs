using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRuntime.Blocks;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using Microsoft.Extensions.Time.Testing;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;

namespace AgentRuntime.Core.Tests.Diagnostics;

public sealed class TurnTelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
    private readonly RuntimeTelemetry _metrics = new(meterFactory: null);
    private readonly MeterListener _meterListener = new();
    private readonly FakeTimeProvider _time = new();
    private readonly string _sessionId = Guid.NewGuid().ToString();
    private ActivityListener? _activityListener;

    public TurnTelemetryTests()
    {
        Instrument[] mine = [_metrics.Turns, _metrics.TurnDuration, _metrics.TimeToFirstToken];
        _meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (mine.Contains(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meterListener.SetMeasurementEventCallback<long>((i, value, tags, _) => _measurements.Enqueue((i, value, tags.ToArray())));
        _meterListener.SetMeasurementEventCallback<double>((i, value, tags, _) => _measurements.Enqueue((i, value, tags.ToArray())));
        _meterListener.Start();
    }

    [Fact]
    public void Observe_ToolCallThatRunsAndSucceeds_IsOneSpanUnderTheTurnFromItsStartToItsFinalStatus()
    {
        Listen();
        var telemetry = Start("turn-1");
        var tool = new ToolUseBlock { Id = "b1", Timestamp = _time.GetUtcNow(), ToolName = "Read", ToolUseId = "toolu_1", Status = ToolStatus.Pending };

        telemetry.Observe([new BlockStartEvent { ConversationId = Conversations.Main, Block = tool }]);
        telemetry.Observe([new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b1", Block = tool with { Status = ToolStatus.Running } }]);
        Assert.DoesNotContain(Mine(), s => s.DisplayName == "execute_tool Read");
        telemetry.Observe([new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = "b1", Updates = new BlockUpdate { Status = ToolStatus.Success } }]);
        telemetry.End("completed", errorType: null);

        var turn = Assert.Single(Mine(), s => s.OperationName == Names.TurnSpan);
        var span = Assert.Single(Mine(), s => s.DisplayName == "execute_tool Read");
        Assert.Equal(turn.SpanId, span.ParentSpanId);
        Assert.Equal("toolu_1", span.GetTagItem(Tags.GenAiToolCallId));
        Assert.Equal("turn-1", span.GetTagItem(Tags.TurnId));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal("completed", turn.GetTagItem(Tags.TurnOutcome));
    }

    [Fact]
    public void Observe_ToolNamedLaterAndFailing_IsRenamedAndEndsAsAnError()
    {
        Listen();
        var telemetry = Start("turn-2");
        var tool = new ToolUseBlock { Id = "b2", Timestamp = _time.GetUtcNow(), ToolName = "tool", ToolUseId = "call_2", Status = ToolStatus.Pending };

        telemetry.Observe([new BlockStartEvent { ConversationId = "sub-1", Block = tool }]);
        telemetry.Observe([new BlockUpdateEvent { ConversationId = "sub-1", BlockId = "b2", Updates = new BlockUpdate { ToolName = "Bash" } }]);
        telemetry.Observe([new BlockUpdateEvent { ConversationId = "sub-1", BlockId = "b2", Updates = new BlockUpdate { Status = ToolStatus.Error } }]);

        var span = Assert.Single(Mine(), s => s.OperationName.StartsWith(Names.ToolSpanPrefix, StringComparison.Ordinal));
        Assert.Equal("execute_tool Bash", span.DisplayName);
        Assert.Equal("Bash", span.GetTagItem(Tags.GenAiToolName));
        Assert.Equal("sub-1", span.GetTagItem(Tags.ConversationId));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("tool_error", span.GetTagItem(Tags.ErrorType));
    }

    [Fact]
    public void End_FailedTurnThatLeftAToolOpen_EndsTheToolAsAnErrorAndCountsTheTurnOnce()
    {
        Listen();
        var telemetry = Start("turn-3");
        telemetry.Observe([new BlockStartEvent { ConversationId = Conversations.Main, Block = new ToolUseBlock { Id = "b3", Timestamp = _time.GetUtcNow(), ToolName = "Bash", ToolUseId = "toolu_3", Status = ToolStatus.Running } }]);
        _time.Advance(TimeSpan.FromSeconds(5));

        telemetry.End("failed", "turn_timeout");
        telemetry.End("failed", "cancelled");

        var tool = Assert.Single(Mine(), s => s.DisplayName == "execute_tool Bash");
        Assert.Equal(ActivityStatusCode.Error, tool.Status);
        Assert.Equal("turn_timeout", tool.GetTagItem(Tags.ErrorType));
        var turn = Assert.Single(Mine(), s => s.OperationName == Names.TurnSpan);
        Assert.Equal(ActivityStatusCode.Error, turn.Status);
        Assert.Equal("turn_timeout", turn.GetTagItem(Tags.ErrorType));
        var counted = Assert.Single(Of(_metrics.Turns));
        Assert.Equal(1, counted.Value);
        Assert.Contains(new KeyValuePair<string, object?>(Tags.TurnOutcome, "failed"), counted.Tags);
        Assert.Contains(new KeyValuePair<string, object?>(Tags.ErrorType, "turn_timeout"), counted.Tags);
        Assert.Equal(5, Assert.Single(Of(_metrics.TurnDuration)).Value);
        Assert.Equal(0, Assert.Single(Of(_metrics.TimeToFirstToken)).Value);
    }

    [Fact]
    public void Observe_NobodyListening_StartsNoSpanYetMeasuresTheFirstOutputOnceAndTheTurn()
    {
        var telemetry = Start("turn-4");
        _time.Advance(TimeSpan.FromSeconds(2));

        telemetry.Observe([new StatusEvent { Runtime = new AgentRuntime.Sessions.SessionRuntime { IsLoaded = true } }]);
        _time.Advance(TimeSpan.FromSeconds(1));
        telemetry.Observe([new BlockStartEvent { ConversationId = Conversations.Main, Block = new AssistantTextBlock { Id = "t1", Timestamp = _time.GetUtcNow(), Content = "" } }]);
        _time.Advance(TimeSpan.FromSeconds(1));
        telemetry.Observe([new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = "t1", Delta = "Hi" }]);
        telemetry.End("interrupted", errorType: null);

        Assert.Null(telemetry.Activity);
        Assert.Empty(Mine());
        Assert.Equal(3, Assert.Single(Of(_metrics.TimeToFirstToken)).Value);
        Assert.Equal(4, Assert.Single(Of(_metrics.TurnDuration)).Value);
        Assert.Contains(new KeyValuePair<string, object?>(Tags.TurnOutcome, "interrupted"), Assert.Single(Of(_metrics.Turns)).Tags);
    }

    public void Dispose()
    {
        _activityListener?.Dispose();
        _meterListener.Dispose();
        _metrics.Dispose();
    }

    private TurnTelemetry Start(string turnId)
    {
        var telemetry = TurnTelemetry.Start(_metrics, _time, _sessionId, "tenant-a", turnId, "echo");
        // The turn's span is current where it starts (the loop's command); the turn's own thread is another context.
        Activity.Current = null;
        return telemetry;
    }

    private void Listen()
    {
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_activityListener);
    }

    private List<Activity> Mine() => [.. _spans.Where(s => Equals(s.GetTagItem(Tags.SessionId), _sessionId))];

    private List<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Of(Instrument instrument) =>
        [.. _measurements.Where(m => ReferenceEquals(m.Instrument, instrument))];
}
