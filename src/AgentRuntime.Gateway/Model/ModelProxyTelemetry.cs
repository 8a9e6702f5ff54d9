using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRuntime.Sessions;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// The model proxy's spans and instruments, under the runtime's source and meter names (docs/configuration.md,
/// "Telemetry"). This assembly does not see the core's, so it has its own instances of the same names; a listener
/// subscribed by name gets both.
/// </summary>
internal sealed class ModelProxyTelemetry : IDisposable
{
    public static readonly ActivitySource Source = new(ActivitySourceName, typeof(ModelProxyTelemetry).Assembly.GetName().Version?.ToString());

    // The GenAI conventions' advice for token counts and call durations.
    private static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] SecondsBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ModelProxyTelemetry(IMeterFactory? meterFactory)
    {
        var options = new MeterOptions(MeterName) { Version = typeof(ModelProxyTelemetry).Assembly.GetName().Version?.ToString() };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        TokenUsage = _meter.CreateHistogram(Names.TokenUsage, "{token}", "Tokens per model call through the model proxy, by type (input includes cached tokens).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });
        Duration = _meter.CreateHistogram(Names.ModelCallDuration, "s", "How long model calls through the model proxy took, to the end of the answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        Cost = _meter.CreateCounter<double>(Names.Cost, "USD", "What model calls cost, priced with AgentRuntime:Gateway:Prices.");
    }

    public Histogram<long> TokenUsage { get; }

    public Histogram<double> Duration { get; }

    public Counter<double> Cost { get; }

    public static string ProviderName(ModelApiKind kind) => kind == ModelApiKind.Anthropic ? "anthropic" : "gcp.gemini";

    /// <summary>The GenAI operation a request path is, when it is one: Anthropic's messages, Gemini's content generation.</summary>
    public static string? OperationName(ModelApiKind kind, string path) => kind switch
    {
        ModelApiKind.Anthropic when path.EndsWith("/v1/messages", StringComparison.Ordinal) => "chat",
        ModelApiKind.Gemini when path.EndsWith(":generateContent", StringComparison.Ordinal) || path.EndsWith(":streamGenerateContent", StringComparison.Ordinal) => "generate_content",
        _ => null,
    };

    /// <summary>Starts a call's span under the session's turn (or as a root), never under what the sandbox sent.</summary>
    public static Activity? StartCall(SandboxGatewayLease lease, ModelApiKind kind, string method, string path)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = default(ActivityContext);
        try
        {
            parent = lease.Observer?.TraceContext ?? default;
        }
        catch (Exception)
        {
            // An observer's failure costs the span its parent, nothing more.
        }

        if (parent == default)
        {
            // Otherwise the current span would be the parent: the proxy's request, whose context the sandbox may set.
            Activity.Current = null;
        }

        var activity = Source.StartActivity(Names.ModelRequestSpan, ActivityKind.Client, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.SessionId, lease.SessionId);
            activity.SetTag(Tags.GenAiProviderName, ProviderName(kind));
            activity.SetTag(Tags.GenAiOperationName, OperationName(kind, path));
            activity.SetTag("http.request.method", method);
            activity.SetTag("url.path", path);
        }

        return activity;
    }

    /// <summary>
    /// Records a finished call: its span's outcome, its duration, and its usage when the answer had one. <paramref name="status"/>
    /// is the answer's HTTP status, 0 when there was none.
    /// </summary>
    public void Record(Activity? activity, ModelApiKind kind, string path, string? model, int status, TimeSpan elapsed, TokenUsage? tokens, decimal cost)
    {
        var provider = ProviderName(kind);
        // Status 0: no answer was given (the sandbox left, or the lease closed, before the model API answered).
        var errorType = status == 0 ? "cancelled" : status >= 400 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var tags = new TagList { { Tags.GenAiProviderName, provider } };
        if (OperationName(kind, path) is { } operation)
        {
            tags.Add(Tags.GenAiOperationName, operation);
        }

        if (model is not null)
        {
            tags.Add(Tags.GenAiResponseModel, model);
        }

        var durationTags = tags;
        if (errorType is not null)
        {
            durationTags.Add(Tags.ErrorType, errorType);
        }

        Duration.Record(elapsed.TotalSeconds, durationTags);
        long input = 0, output = 0;
        if (tokens is not null)
        {
            input = tokens.InputTokens + tokens.CacheCreationInputTokens + tokens.CacheReadInputTokens;
            output = tokens.OutputTokens;
            var inputTags = tags;
            inputTags.Add(Tags.TokenType, "input");
            TokenUsage.Record(input, inputTags);
            var outputTags = tags;
            outputTags.Add(Tags.TokenType, "output");
            TokenUsage.Record(output, outputTags);
            Cost.Add((double)cost, tags);
        }

        if (activity is null)
        {
            return;
        }

        if (status > 0)
        {
            activity.SetTag("http.response.status_code", status);
        }

        if (model is not null)
        {
            activity.SetTag(Tags.GenAiResponseModel, model);
        }

        if (tokens is not null)
        {
            activity.SetTag(Tags.InputTokens, input);
            activity.SetTag(Tags.OutputTokens, output);
            activity.SetTag(Tags.CostUsd, (double)cost);
        }

        if (errorType is not null)
        {
            activity.SetTag(Tags.ErrorType, errorType);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    public void Dispose()
    {
        // A factory's meter is the factory's to dispose, with the service provider.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
