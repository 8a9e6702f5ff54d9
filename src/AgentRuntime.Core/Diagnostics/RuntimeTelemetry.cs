using System.Diagnostics;
using System.Diagnostics.Metrics;
using static AgentRuntime.Diagnostics.AgentRuntimeTelemetry;

namespace AgentRuntime.Diagnostics;

/// <summary>
/// The session core's spans and instruments. The <see cref="ActivitySource"/> is static, as spans belong to the
/// process; the meter comes from the application's <see cref="IMeterFactory"/> when it has one, so each service
/// provider (each server in a test process) has its own and a listener can tell them apart by the meter's scope.
/// </summary>
internal sealed class RuntimeTelemetry : IDisposable
{
    /// <summary>Every span of the session core. A span is started only while someone listens (<c>HasListeners</c>).</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName, typeof(RuntimeTelemetry).Assembly.GetName().Version?.ToString());

    // Seconds from a few milliseconds to half an hour: turns and sandbox starts are long, the default buckets are for ms.
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public RuntimeTelemetry(IMeterFactory? meterFactory)
    {
        var options = new MeterOptions(MeterName) { Version = typeof(RuntimeTelemetry).Assembly.GetName().Version?.ToString() };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        Turns = _meter.CreateCounter<long>(Names.Turns, "{turn}", "Turns ended, by architecture and outcome.");
        TurnDuration = _meter.CreateHistogram(Names.TurnDuration, "s", "How long turns took, from the user's message to the turn's last event.", advice: seconds);
        TimeToFirstToken = _meter.CreateHistogram(Names.TimeToFirstToken, "s", "Time from a turn's start to the agent's first output (text, thinking or a tool call).", advice: seconds);
        EventsAppended = _meter.CreateCounter<long>(Names.EventsAppended, "{event}", "Events appended to session logs (durable in the store).");
        SandboxStartDuration = _meter.CreateHistogram(Names.SandboxStartDuration, "s", "How long sandboxes took to start: created by the provider, workspace and transcript restored.", advice: seconds);
    }

    /// <summary>A meter of the process's own, for a runtime built without dependency injection (tests).</summary>
    public static RuntimeTelemetry Unscoped { get; } = new(null);

    public Counter<long> Turns { get; }

    public Histogram<double> TurnDuration { get; }

    public Histogram<double> TimeToFirstToken { get; }

    public Counter<long> EventsAppended { get; }

    public Histogram<double> SandboxStartDuration { get; }

    /// <summary>Observes the loaded sessions and their running sandboxes, read when a listener collects.</summary>
    public void ObserveSessions(Func<int> activeSessions, Func<int> liveSandboxes)
    {
        if (_ownsMeter)
        {
            // The process's own meter is shared by every runtime made without a service provider (tests): their counts
            // would add up to nothing meaningful, and each would stay observed after it is gone.
            return;
        }

        _meter.CreateObservableUpDownCounter(Names.ActiveSessions, activeSessions, "{session}", "Sessions loaded in memory (an actor each).");
        _meter.CreateObservableUpDownCounter(Names.LiveSandboxes, liveSandboxes, "{sandbox}", "Sandboxes running.");
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
