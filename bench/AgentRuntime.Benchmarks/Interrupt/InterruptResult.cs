namespace AgentRuntime.Benchmarks.Interrupt;

/// <summary>One measured interrupt, in ms from the moment the client started sending <c>POST /interrupt</c>.</summary>
/// <param name="AcceptedMs">The 202 answer's headers received.</param>
/// <param name="StoppedMs">The turn's terminal event received on the SSE subscription.</param>
/// <param name="TakenMs">The session logged the request (its "interrupting turn" entry), if it did.</param>
/// <param name="SentMs">The Claude Code connection logged writing the <c>interrupt</c> control request.</param>
/// <param name="ResultMs">The connection logged reading the CLI's <c>result</c> line for the turn.</param>
/// <param name="StopReason">The terminal event: its <c>stopReason</c>, or <c>failed: …</c>.</param>
/// <param name="HardStop">The session stopped the turn the hard way (logged, or the grace passed).</param>
/// <param name="NextCompleted">The next message's turn completed normally afterwards.</param>
/// <param name="CliRestarted">Claude Code was started again between the interrupt and the next turn's end.</param>
/// <param name="CliResult">The runtime's log entry for the CLI's result line, when it was read.</param>
internal sealed record InterruptSample(
    double AcceptedMs,
    double StoppedMs,
    double? TakenMs,
    double? SentMs,
    double? ResultMs,
    string StopReason,
    bool HardStop,
    bool NextCompleted,
    bool CliRestarted,
    string? CliResult);

/// <summary>The measured interrupts of one scenario.</summary>
internal sealed record InterruptScenario(string Name, IReadOnlyList<InterruptSample> Samples)
{
    public LatencySummary Stopped => LatencySummary.Of(Samples.Select(s => s.StoppedMs));

    public LatencySummary Accepted => LatencySummary.Of(Samples.Select(s => s.AcceptedMs));

    public int Interrupted => Samples.Count(s => s.StopReason == "interrupted");

    public int HardStops => Samples.Count(s => s.HardStop);

    public int NextCompleted => Samples.Count(s => s.NextCompleted);

    public int CliRestarts => Samples.Count(s => s.CliRestarted);

    /// <summary>The median of each step's own duration over the samples that logged both of its ends.</summary>
    public double? MedianStep(Func<InterruptSample, double?> from, Func<InterruptSample, double?> to) =>
        Samples.Select(s => from(s) is { } a && to(s) is { } b ? b - a : (double?)null).OfType<double>().ToList() is { Count: > 0 } steps
            ? LatencySummary.Of(steps).P50
            : null;
}

/// <summary>Nearest-rank percentiles of a handful of samples, in ms.</summary>
internal sealed record LatencySummary(double P50, double P90, double Max)
{
    public static LatencySummary Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new LatencySummary(double.NaN, double.NaN, double.NaN);
        }

        return new LatencySummary(Rank(0.5), Rank(0.9), sorted[^1]);

        double Rank(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

/// <param name="Grace">The server's <c>AgentRuntime:InterruptGrace</c>: past it, an interrupted turn is stopped the hard way.</param>
/// <param name="CliVersion">The Claude Code CLI's version, from its package.</param>
/// <param name="FirstTurnMs">The session's first turn, from the message sent to its end received: the sandbox and the CLI starting.</param>
internal sealed record InterruptResult(InterruptScenario DuringTool, InterruptScenario WhileStreaming, TimeSpan Grace, string CliVersion, double FirstTurnMs);
