using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;

namespace AgentRuntime.Diagnostics;

/// <summary>
/// One turn's span, its tool calls' spans and its measurements. Started on the session's loop when the turn starts,
/// fed every batch the agent gives (on the turn's thread), and ended on the loop once the turn's last event is logged.
/// A tool call's span opens when its <c>tool_use</c> block starts and ends when the block reaches a final status.
/// </summary>
internal sealed class TurnTelemetry
{
    private readonly RuntimeTelemetry _metrics;
    private readonly TimeProvider _time;
    private readonly string _architecture;
    private readonly long _started;
    private readonly Activity? _activity;
    private bool _sawOutput;
    private bool _ended;

    // Open tool calls by block id; only while the turn is traced.
    private Dictionary<string, Activity>? _tools;

    private TurnTelemetry(RuntimeTelemetry metrics, TimeProvider time, string architecture, Activity? activity)
    {
        _metrics = metrics;
        _time = time;
        _architecture = architecture;
        _activity = activity;
        _started = time.GetTimestamp();
    }

    /// <summary>The turn's span, when someone listens; it is <see cref="Activity.Current"/> where it was started.</summary>
    public Activity? Activity => _activity;

    /// <summary>Starts a turn's span (a child of the current one: the request that sent the message) and its clock.</summary>
    public static TurnTelemetry Start(RuntimeTelemetry metrics, TimeProvider time, string sessionId, string tenantId, string turnId, string architecture)
    {
        Activity? activity = null;
        if (RuntimeTelemetry.Source.HasListeners())
        {
            activity = RuntimeTelemetry.Source.StartActivity(Names.TurnSpan, ActivityKind.Internal);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(Tags.GenAiOperationName, "invoke_agent");
                activity.SetTag(Tags.SessionId, sessionId);
                activity.SetTag(Tags.TenantId, tenantId);
                activity.SetTag(Tags.TurnId, turnId);
                activity.SetTag(Tags.Architecture, architecture);
            }
        }

        return new TurnTelemetry(metrics, time, architecture, activity);
    }

    /// <summary>Notes a batch of the agent's events: its first output, and its tool calls opening and finishing.</summary>
    public void Observe(IReadOnlyList<SessionEvent> batch)
    {
        if (!_sawOutput)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] is BlockDeltaEvent or BlockStartEvent { Block: AssistantTextBlock or ThinkingBlock or ToolUseBlock or SubagentBlock })
                {
                    _sawOutput = true;
                    _metrics.TimeToFirstToken.Record(_time.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>(Tags.Architecture, _architecture));
                    break;
                }
            }
        }

        // Tool spans only under a traced turn: the per-event look below is skipped when nobody listens.
        if (_activity is null)
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            switch (batch[i])
            {
                case BlockStartEvent { Block: ToolUseBlock tool } start:
                    StartTool(start.ConversationId, tool);
                    break;
                case BlockUpdateEvent update when _tools is not null && _tools.TryGetValue(update.BlockId, out var span):
                    if (update.Updates.ToolName is { } name)
                    {
                        span.DisplayName = $"{Names.ToolSpanPrefix} {name}";
                        span.SetTag(Tags.GenAiToolName, name);
                    }

                    if (update.Updates.Status is ToolStatus.Success or ToolStatus.Error)
                    {
                        EndTool(update.BlockId, update.Updates.Status.Value);
                    }

                    break;
                case BlockCompleteEvent { Block: ToolUseBlock { Status: ToolStatus.Success or ToolStatus.Error } finished } complete:
                    EndTool(complete.BlockId, finished.Status);
                    break;
            }
        }
    }

    /// <summary>
    /// Ends the turn: counts it, records its duration, ends tool calls it left open (as errors) and its span. Only the
    /// first call counts.
    /// </summary>
    /// <param name="outcome"><c>completed</c>, <c>interrupted</c> or <c>failed</c>.</param>
    /// <param name="errorType">The failure's code, for a failed turn.</param>
    public void End(string outcome, string? errorType)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        var tags = new TagList { { Tags.Architecture, _architecture }, { Tags.TurnOutcome, outcome } };
        if (errorType is not null)
        {
            tags.Add(Tags.ErrorType, errorType);
        }

        _metrics.Turns.Add(1, tags);
        _metrics.TurnDuration.Record(_time.GetElapsedTime(_started).TotalSeconds, tags);
        if (_activity is null)
        {
            return;
        }

        foreach (var blockId in _tools?.Keys.ToList() ?? [])
        {
            // The turn's failure events close them as errors too; a completed turn that left one open is odd enough to show.
            EndTool(blockId, ToolStatus.Error, errorType ?? "left_open");
        }

        _activity.SetTag(Tags.TurnOutcome, outcome);
        if (errorType is not null)
        {
            _activity.SetTag(Tags.ErrorType, errorType);
            _activity.SetStatus(ActivityStatusCode.Error, errorType);
        }

        _activity.Stop();
    }

    private void StartTool(string conversationId, ToolUseBlock tool)
    {
        // A child of the turn whatever the current span is here (an append's, say).
        var span = RuntimeTelemetry.Source.StartActivity($"{Names.ToolSpanPrefix} {tool.ToolName}", ActivityKind.Internal, _activity!.Context);
        if (span is null)
        {
            return;
        }

        if (span.IsAllDataRequested)
        {
            span.SetTag(Tags.GenAiOperationName, "execute_tool");
            span.SetTag(Tags.GenAiToolName, tool.ToolName);
            span.SetTag(Tags.GenAiToolCallId, tool.ToolUseId);
            span.SetTag(Tags.ConversationId, conversationId);
            span.SetTag(Tags.SessionId, _activity.GetTagItem(Tags.SessionId));
            span.SetTag(Tags.TurnId, _activity.GetTagItem(Tags.TurnId));
        }

        // Started beside the batch's append rather than around it: the span must not stay current on this thread.
        Activity.Current = _activity;
        (_tools ??= new(StringComparer.Ordinal))[tool.Id] = span;
    }

    private void EndTool(string blockId, ToolStatus status, string? errorType = null)
    {
        if (_tools is null || !_tools.Remove(blockId, out var span))
        {
            return;
        }

        if (status == ToolStatus.Error)
        {
            errorType ??= "tool_error";
            span.SetTag(Tags.ErrorType, errorType);
            span.SetStatus(ActivityStatusCode.Error, errorType);
        }

        span.Stop();
    }
}
