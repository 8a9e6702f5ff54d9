using System.Diagnostics;
using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Claude.Transcripts;
using AgentRuntime.Sessions;
using AgentRuntime.Testing.Claude;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// Parses a generated Claude Code transcript of <see cref="Lines"/> lines into blocks, as loading a session whose
/// event log is empty does: once as the first parse in the process (the parser's code not yet compiled), then
/// <see cref="WarmUpRuns"/> times untimed, while the runtime recompiles the hot code optimized (it takes a few
/// parses, more on a busy machine), then <see cref="WarmRuns"/> times, of which the median is reported.
/// </summary>
internal static class TranscriptParseBenchmark
{
    public const int Lines = 50_000;
    public const int WarmUpRuns = 10;
    public const int WarmRuns = 7;

    public static TranscriptParseResult Run(CancellationToken cancellationToken)
    {
        var files = ClaudeTranscriptGenerator.Generate(Lines);
        var session = ClaudeTranscriptGenerator.Session();
        var bytes = files.Sum(f => (long)f.Content.Length);
        var lines = files.Where(f => f.RelativePath.EndsWith(".jsonl", StringComparison.Ordinal)).Sum(f => f.Content.Count(b => b == (byte)'\n'));

        var first = Measure(files, session, out var parsed);
        for (var i = 0; i < WarmUpRuns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ClaudeTranscriptParser.Parse(files, session);
        }

        var warm = new List<Measurement>();
        for (var i = 0; i < WarmRuns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            warm.Add(Measure(files, session, out _));
        }

        var median = warm.OrderBy(m => m.Milliseconds).ElementAt(warm.Count / 2);
        var blocks = parsed.Blocks.Count + parsed.Subagents.Sum(s => s.Blocks.Count);
        return new TranscriptParseResult(bytes, lines, files.Count, blocks, parsed.Subagents.Count, first, median);
    }

    private static Measurement Measure(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session, out ParsedTranscript parsed)
    {
        // Each parse starts with the previous one's blocks collected, so that none pays for another's garbage.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        parsed = ClaudeTranscriptParser.Parse(files, session);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        return new Measurement(elapsed, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }
}

/// <summary>One parse: its time and the bytes it allocated.</summary>
internal sealed record Measurement(double Milliseconds, long Allocated);

/// <summary>The transcript parsed and the first and median warm parses.</summary>
internal sealed record TranscriptParseResult(long Bytes, int Lines, int Files, int Blocks, int Subagents, Measurement First, Measurement Warm)
{
    public double MegabytesPerSecond(Measurement m) => Bytes / (1024.0 * 1024.0) / (m.Milliseconds / 1000);
}
