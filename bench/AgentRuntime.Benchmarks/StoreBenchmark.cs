using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Sessions;

namespace AgentRuntime.Benchmarks;

/// <summary>Measures one store: event append throughput, and the write cost of a turn as the transcript grows.</summary>
internal sealed class StoreBenchmark(IAgentStore store, TimeSpan phase)
{
    /// <summary>What one turn's new transcript bytes are taken to be: a few messages and tool results of JSONL.</summary>
    public const int TurnTranscriptBytes = 8 * 1024;

    /// <summary>Turns measured at each transcript size; the median is reported.</summary>
    public const int TurnsPerSize = 10;

    public static readonly int[] TranscriptSizes = [1024, 100 * 1024, 1024 * 1024, 10 * 1024 * 1024];

    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public async Task<AppendThroughput> MeasureAppendsAsync(int batchSize, CancellationToken cancellationToken)
    {
        var session = await NewSessionAsync(cancellationToken);
        var batch = Enumerable.Range(0, batchSize).Select(i => Delta(i)).ToArray();

        // Warm-up: JIT, the connection pool, prepared statements. Each append expects the last seq of the one before, as
        // the session's log does.
        long last = 0;
        for (var i = 0; i < 20; i++)
        {
            last = (await store.AppendEventsAsync(session, last, batch, cancellationToken))[^1].Seq;
        }

        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed < phase)
        {
            var call = Stopwatch.StartNew();
            last = (await store.AppendEventsAsync(session, last, batch, cancellationToken))[^1].Seq;
            latencies.Add(call.Elapsed.TotalMilliseconds);
        }

        total.Stop();
        return new AppendThroughput(latencies.Count * batchSize / total.Elapsed.TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.99));
    }

    public async Task<TurnCost> MeasureTurnAsync(int transcriptBytes, CancellationToken cancellationToken)
    {
        const string Path = "projects/-home-agent-workspace/session.jsonl";
        var session = await NewSessionAsync(cancellationToken);

        // The transcript so far, written as earlier turns would have: in pieces of at most 1 MB.
        var random = new Random(transcriptBytes);
        for (var written = 0; written < transcriptBytes;)
        {
            var piece = new byte[Math.Min(1024 * 1024, transcriptBytes - written)];
            random.NextBytes(piece);
            await store.AppendTranscriptAsync(session, Path, piece, cancellationToken);
            written += piece.Length;
        }

        var turn = TurnEvents();
        var tail = new byte[TurnTranscriptBytes];
        random.NextBytes(tail);
        var turns = new List<double>();
        long last = 0;
        var appends = new List<double>();
        for (var t = 0; t < TurnsPerSize + 1; t++)
        {
            // As the session's log does while a turn streams: each event is appended on its own as it arrives.
            var watch = Stopwatch.StartNew();
            foreach (var e in turn)
            {
                last = (await store.AppendEventsAsync(session, last, [e], cancellationToken))[0].Seq;
            }

            var append = Stopwatch.StartNew();
            await store.AppendTranscriptAsync(session, Path, tail, cancellationToken);
            if (t > 0)
            {
                // The first turn at each size is a warm-up.
                appends.Add(append.Elapsed.TotalMilliseconds);
                turns.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        // For contrast: what the turn's transcript write would cost if the whole file were rewritten each time.
        var whole = new byte[transcriptBytes + TurnTranscriptBytes];
        random.NextBytes(whole);
        var rewrites = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            var watch = Stopwatch.StartNew();
            await store.ReplaceTranscriptAsync(session, Path, whole, cancellationToken);
            rewrites.Add(watch.Elapsed.TotalMilliseconds);
        }

        await store.DeleteSessionAsync(session, cancellationToken);
        return new TurnCost(Percentile(turns, 0.5), Percentile(appends, 0.5), Percentile(rewrites, 0.5));
    }

    /// <summary>About fifty events, shaped like a turn that writes some text and runs one tool.</summary>
    internal static IReadOnlyList<SessionEvent> TurnEvents()
    {
        const string Main = Conversations.Main;
        var text = string.Concat(Enumerable.Repeat("Here is the next part of the answer, streamed. ", 44));
        var events = new List<SessionEvent>
        {
            new TurnStartedEvent { TurnId = "turn", Timestamp = Now },
            new BlockStartEvent { ConversationId = Main, Block = new AssistantTextBlock { Id = "b1", Timestamp = Now, Content = "" }, Timestamp = Now },
        };
        events.AddRange(Enumerable.Range(0, 42).Select(Delta));
        events.Add(new BlockCompleteEvent { ConversationId = Main, BlockId = "b1", Block = new AssistantTextBlock { Id = "b1", Timestamp = Now, Content = text }, Timestamp = Now });
        events.Add(new BlockStartEvent
        {
            ConversationId = Main,
            Block = new ToolUseBlock { Id = "b2", Timestamp = Now, ToolName = "Bash", ToolUseId = "tu1", Input = System.Text.Json.JsonElement.Parse("""{"command":"ls -la"}"""), Status = ToolStatus.Running },
            Timestamp = Now,
        });
        events.Add(new BlockCompleteEvent
        {
            ConversationId = Main,
            BlockId = "b3",
            Block = new ToolResultBlock { Id = "b3", Timestamp = Now, ToolUseId = "tu1", Output = string.Concat(Enumerable.Repeat("-rw-r--r-- 1 agent agent 1234 file.txt\n", 20)), DurationMs = 12 },
            Timestamp = Now,
        });
        events.Add(new MetadataUpdateEvent { ConversationId = Main, Metadata = new SessionMetadata { Model = "claude-sonnet", CostUsd = 0.01m }, Timestamp = Now });
        events.Add(new StatusEvent { Runtime = new SessionRuntime { IsLoaded = true }, Timestamp = Now });
        events.Add(new TurnCompletedEvent { TurnId = "turn", Timestamp = Now });
        return events;
    }

    private static BlockDeltaEvent Delta(int i) =>
        new() { ConversationId = Conversations.Main, BlockId = "b1", Delta = $"Here is the next part of the answer, streamed ({i}). ", Timestamp = Now };

    private async Task<string> NewSessionAsync(CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString();
        await store.CreateSessionAsync(
            new SessionRecord { SessionId = id, Architecture = "claude-agent-sdk", AgentProfileRef = "default", CreatedAt = Now, LastActivity = Now },
            cancellationToken);
        return id;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }
}

/// <summary>Appends of a fixed batch size, back to back from one writer.</summary>
internal sealed record AppendThroughput(double EventsPerSecond, double P50Milliseconds, double P99Milliseconds);

/// <summary>Medians, in milliseconds: a whole turn's writes, its transcript append alone, and a whole-file rewrite instead.</summary>
internal sealed record TurnCost(double TurnMilliseconds, double TranscriptAppendMilliseconds, double RewriteMilliseconds);
