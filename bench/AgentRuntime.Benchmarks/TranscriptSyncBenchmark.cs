using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Local;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// What persisting the agent's transcript costs at the end of a turn as the transcript grows: the runtime's own
/// <see cref="TranscriptSync"/> against a local sandbox made by the local provider (its openat2 file operations; no
/// process runs, so isolation is off and bubblewrap is not needed) and a store, with <see cref="AppendBytes"/> appended
/// in place to the file before each turn, as an agent appends. For contrast, each turn is also persisted the way the
/// sync did it before issue 13 — the whole file read and SHA-256-hashed — into a second session of the same store;
/// and once more by a sync into the in-memory store, which leaves the sandbox side alone, without the store's commit.
/// </summary>
internal static class TranscriptSyncBenchmark
{
    /// <summary>New transcript per turn: a few messages and tool results of JSONL.</summary>
    public const int AppendBytes = 8 * 1024;

    /// <summary>Turns measured at each size, after one warm-up turn; the median is reported.</summary>
    public const int Turns = 10;

    public static readonly int[] TranscriptSizes = [(int)(0.2 * (1 << 20)), 1 << 20, 10 << 20, 50 << 20];

    private const string Directory = ".claude/projects/-workspace";
    private const string FilePath = Directory + "/session.jsonl";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static async Task<TranscriptSyncCost[]> RunAsync(IAgentStore store, string directory, CancellationToken cancellationToken)
    {
        var sandboxes = Path.Combine(directory, "sandboxes");
        var provider = new LocalSandboxProvider(
            Options.Create(new LocalSandboxOptions { Isolation = SandboxIsolation.None, RootDirectory = sandboxes }),
            Options.Create(new AgentRuntimeOptions { DataDirectory = directory }),
            NullLogger<LocalSandboxProvider>.Instance);
        var results = new List<TranscriptSyncCost>();
        foreach (var size in TranscriptSizes)
        {
            Console.Error.WriteLine($"Transcript sync: turns at {size / (double)(1 << 20):0.#} MB...");
            results.Add(await MeasureAsync(provider, store, sandboxes, size, cancellationToken));
        }

        return [.. results];
    }

    private static async Task<TranscriptSyncCost> MeasureAsync(LocalSandboxProvider provider, IAgentStore store, string sandboxes, int size, CancellationToken cancellationToken)
    {
        var session = await NewSessionAsync(store, cancellationToken);
        var before = await NewSessionAsync(store, cancellationToken);
        await using var sandbox = await provider.CreateAsync(new SandboxRequest { SessionId = session, Network = SandboxNetworkPolicy.None }, cancellationToken);

        // The agent's side, on the host: the transcript so far, then a turn's worth appended in place before each turn.
        var file = Path.Combine(sandboxes, session, "home", FilePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, Jsonl(0, size), cancellationToken);
        var sync = new TranscriptSync(session, store);
        var wholeFile = new WholeFileSync(before, store);
        var memory = new InMemoryAgentStore();
        var sandboxOnly = new TranscriptSync(await NewSessionAsync(memory, cancellationToken), memory);
        await sync.SaveAsync(sandbox, [Directory], cancellationToken);
        await wholeFile.SaveAsync(sandbox, cancellationToken);
        await sandboxOnly.SaveAsync(sandbox, [Directory], cancellationToken);

        var now = new List<double>();
        var then = new List<double>();
        var sandboxSide = new List<double>();
        for (var turn = 0; turn <= Turns; turn++)
        {
            await using (var append = new FileStream(file, FileMode.Append, FileAccess.Write))
            {
                await append.WriteAsync(Jsonl(size + turn * AppendBytes, AppendBytes), cancellationToken);
            }

            var watch = Stopwatch.StartNew();
            await sync.SaveAsync(sandbox, [Directory], cancellationToken);
            var syncMilliseconds = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await wholeFile.SaveAsync(sandbox, cancellationToken);
            var wholeFileMilliseconds = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await sandboxOnly.SaveAsync(sandbox, [Directory], cancellationToken);
            if (turn > 0)
            {
                now.Add(syncMilliseconds);
                then.Add(wholeFileMilliseconds);
                sandboxSide.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        // Both stored every byte, or the figures mean nothing.
        var expected = new FileInfo(file).Length;
        foreach (var id in new[] { session, before })
        {
            if (await store.LoadTranscriptAsync(id, cancellationToken) is not [var stored] || stored.Content.Length != expected)
            {
                throw new InvalidOperationException($"The transcript stored is not the {expected} bytes of the file.");
            }
        }

        await store.DeleteSessionAsync(session, cancellationToken);
        await store.DeleteSessionAsync(before, cancellationToken);
        return new TranscriptSyncCost(size, Median(now), Median(then), Median(sandboxSide));
    }

    /// <summary>JSON lines of about 200 bytes, numbered from <paramref name="seed"/>, exactly <paramref name="bytes"/> long.</summary>
    private static byte[] Jsonl(int seed, int bytes)
    {
        var text = new StringBuilder(bytes + 256);
        for (var i = seed; text.Length < bytes; i++)
        {
            text.Append("{\"type\":\"assistant\",\"uuid\":\"").Append(i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"")
                .Append('x', 100).Append("\"}]}}\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, bytes));
    }

    private static async Task<string> NewSessionAsync(IAgentStore store, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString();
        await store.CreateSessionAsync(
            new SessionRecord { SessionId = id, Architecture = "claude-agent-sdk", AgentProfileRef = "default", CreatedAt = Now, LastActivity = Now },
            cancellationToken);
        return id;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>
    /// The sync as it was before issue 13, for one file: skip it when its size is unchanged, else read it whole, hash
    /// the stored prefix to see that it was appended to, append the tail, and hash the whole file for next time.
    /// </summary>
    private sealed class WholeFileSync(string sessionId, IAgentStore store)
    {
        private long _length;
        private byte[]? _hash;

        public async Task SaveAsync(ISandbox sandbox, CancellationToken cancellationToken)
        {
            foreach (var entry in await sandbox.ListFilesAsync(SandboxRoot.Home, Directory, cancellationToken))
            {
                if (_hash is not null && entry.Size == _length
                    || await sandbox.ReadFileAsync(SandboxRoot.Home, entry.RelativePath, cancellationToken) is not { } content)
                {
                    continue;
                }

                if (_hash is not null && content.Length > _length && SHA256.HashData(content.AsSpan(0, (int)_length)).AsSpan().SequenceEqual(_hash))
                {
                    await store.AppendTranscriptAsync(sessionId, entry.RelativePath, content.AsMemory((int)_length), cancellationToken);
                }
                else if (_hash is null)
                {
                    await store.AppendTranscriptAsync(sessionId, entry.RelativePath, content, cancellationToken);
                }
                else
                {
                    await store.ReplaceTranscriptAsync(sessionId, entry.RelativePath, content, cancellationToken);
                }

                _length = content.Length;
                _hash = SHA256.HashData(content);
            }
        }
    }
}

/// <summary>
/// Medians, in milliseconds, of one turn's transcript persistence: now, reading the whole file as before, and now into
/// the in-memory store (the sandbox side alone).
/// </summary>
internal sealed record TranscriptSyncCost(int TranscriptBytes, double Milliseconds, double WholeFileMilliseconds, double SandboxMilliseconds);
