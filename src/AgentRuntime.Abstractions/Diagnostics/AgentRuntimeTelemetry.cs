namespace AgentRuntime.Diagnostics;

/// <summary>
/// The names of the runtime's traces and metrics, for an application's OpenTelemetry setup
/// (<c>.AddSource(AgentRuntimeTelemetry.ActivitySourceName)</c>, <c>.AddMeter(AgentRuntimeTelemetry.MeterName)</c>)
/// and for dashboards. The runtime itself depends on <c>System.Diagnostics</c> only: without a listener it records
/// nothing. docs/configuration.md ("Telemetry") lists every span and metric with its tags and unit.
/// </summary>
public static class AgentRuntimeTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of every span the runtime starts.</summary>
    public const string ActivitySourceName = "AgentRuntime";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of every metric the runtime records.</summary>
    public const string MeterName = "AgentRuntime";

    /// <summary>Span and metric names.</summary>
    public static class Names
    {
        /// <summary>Span: one turn, from the user's message to its terminal event.</summary>
        public const string TurnSpan = "agent_runtime.turn";

        /// <summary>Span name prefix of a tool call (<c>execute_tool {tool name}</c>, as the GenAI conventions name it).</summary>
        public const string ToolSpanPrefix = "execute_tool";

        /// <summary>Span: a sandbox being created and restored (workspace and transcript written into it).</summary>
        public const string SandboxStartSpan = "agent_runtime.sandbox.start";

        /// <summary>Span: a sandbox being closed (agent stopped, processes killed, gateway lease revoked).</summary>
        public const string SandboxStopSpan = "agent_runtime.sandbox.stop";

        /// <summary>Span: a batch of a session's events appended to the store and published to its subscribers.</summary>
        public const string EventsAppendSpan = "agent_runtime.events.append";

        /// <summary>Span: a model API call of a sandbox through the runtime's model proxy.</summary>
        public const string ModelRequestSpan = "agent_runtime.model.request";

        /// <summary>Counter of turns ended, by architecture and outcome.</summary>
        public const string Turns = "agent_runtime.turns";

        /// <summary>Histogram of turn durations, in seconds.</summary>
        public const string TurnDuration = "agent_runtime.turn.duration";

        /// <summary>Histogram of the time from a turn's start to the agent's first output, in seconds.</summary>
        public const string TimeToFirstToken = "agent_runtime.turn.time_to_first_token";

        /// <summary>Counter of events appended to session logs.</summary>
        public const string EventsAppended = "agent_runtime.events.appended";

        /// <summary>Observed count of sessions loaded in memory.</summary>
        public const string ActiveSessions = "agent_runtime.sessions.active";

        /// <summary>Observed count of running sandboxes.</summary>
        public const string LiveSandboxes = "agent_runtime.sandboxes.live";

        /// <summary>Histogram of sandbox start times, in seconds.</summary>
        public const string SandboxStartDuration = "agent_runtime.sandbox.start.duration";

        /// <summary>Histogram of tokens per model call by <see cref="Tags.TokenType"/> (the GenAI conventions' metric).</summary>
        public const string TokenUsage = "gen_ai.client.token.usage";

        /// <summary>Histogram of model call durations, in seconds (the GenAI conventions' metric).</summary>
        public const string ModelCallDuration = "gen_ai.client.operation.duration";

        /// <summary>Counter of the model calls' cost, in US dollars, as the gateway's price list prices them.</summary>
        public const string Cost = "agent_runtime.cost";
    }

    /// <summary>Tag (attribute) names.</summary>
    public static class Tags
    {
        /// <summary>The session's id.</summary>
        public const string SessionId = "agent_runtime.session.id";

        /// <summary>The tenant that owns the session.</summary>
        public const string TenantId = "agent_runtime.tenant.id";

        /// <summary>The turn's id, as <c>POST /messages</c> returned it.</summary>
        public const string TurnId = "agent_runtime.turn.id";

        /// <summary>The session's architecture, such as <c>claude-agent-sdk</c>.</summary>
        public const string Architecture = "agent_runtime.architecture";

        /// <summary>How a turn ended: <c>completed</c>, <c>interrupted</c> or <c>failed</c>.</summary>
        public const string TurnOutcome = "agent_runtime.turn.outcome";

        /// <summary>The conversation a block is in: <c>main</c> or a subagent's id.</summary>
        public const string ConversationId = "agent_runtime.conversation.id";

        /// <summary>The sandbox provider's name, such as <c>local</c>.</summary>
        public const string SandboxProvider = "agent_runtime.sandbox.provider";

        /// <summary>The sandbox's id.</summary>
        public const string SandboxId = "agent_runtime.sandbox.id";

        /// <summary>How many times the session's sandbox was started before this one.</summary>
        public const string SandboxRestartCount = "agent_runtime.sandbox.restart_count";

        /// <summary>How many events a batch holds.</summary>
        public const string EventCount = "agent_runtime.events.count";

        /// <summary>The sequence number of a batch's first event.</summary>
        public const string FirstSeq = "agent_runtime.events.first_seq";

        /// <summary>The sequence number of a batch's last event.</summary>
        public const string LastSeq = "agent_runtime.events.last_seq";

        /// <summary>A model call's cost in US dollars.</summary>
        public const string CostUsd = "agent_runtime.cost.usd";

        /// <summary>The class of error an operation ended with (a failure code, an exception type, an HTTP status).</summary>
        public const string ErrorType = "error.type";

        /// <summary>The GenAI operation: <c>invoke_agent</c>, <c>execute_tool</c>, <c>chat</c>.</summary>
        public const string GenAiOperationName = "gen_ai.operation.name";

        /// <summary>The model API: <c>anthropic</c> or <c>gcp.gemini</c>.</summary>
        public const string GenAiProviderName = "gen_ai.provider.name";

        /// <summary>The model asked for, or that answered.</summary>
        public const string GenAiResponseModel = "gen_ai.response.model";

        /// <summary>A tool's name.</summary>
        public const string GenAiToolName = "gen_ai.tool.name";

        /// <summary>The agent's id of a tool call.</summary>
        public const string GenAiToolCallId = "gen_ai.tool.call.id";

        /// <summary>Token type of <see cref="Names.TokenUsage"/>: <c>input</c> (cached tokens included) or <c>output</c>.</summary>
        public const string TokenType = "gen_ai.token.type";

        /// <summary>A model call's input tokens, cached ones included.</summary>
        public const string InputTokens = "gen_ai.usage.input_tokens";

        /// <summary>A model call's output tokens.</summary>
        public const string OutputTokens = "gen_ai.usage.output_tokens";
    }
}
