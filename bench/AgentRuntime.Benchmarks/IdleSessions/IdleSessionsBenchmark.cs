using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRuntime.Architectures.Claude;
using AgentRuntime.Events;
using AgentRuntime.Host;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Sqlite;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Benchmarks.IdleSessions;

/// <summary>
/// The memory of <see cref="Sessions"/> idle loaded sessions: stored in SQLite, each with the log of a small finished
/// conversation (<see cref="IdleConversation"/>), then opened by <c>GET /api/sessions/{id}</c> on the real host
/// (<c>RuntimeHost</c>, as <c>AgentRuntime.Host</c> runs it), which loads each one's actor and rebuilds its projection
/// from the log; no sandbox runs. The process's resident memory after a full GC is read before and after the loads.
/// </summary>
/// <remarks>
/// The host is measured in a process of its own, started from this one: resident memory is the whole process's, and in
/// the full run the parts before this one (a 57 MB transcript parse, two servers, PostgreSQL's client) would leave it
/// higher than a server's, whatever this part adds. The sessions are written to the store beforehand, as a server that
/// restarts finds them.
/// </remarks>
internal static class IdleSessionsBenchmark
{
    public const int Sessions = 1_000;

    /// <summary>The figure the issue asks to keep.</summary>
    public const double TargetMegabytes = 200;

    // Set for the measuring process, to the data directory the sessions were written to.
    private const string MeasureVariable = "AGENT_RUNTIME_BENCH_IDLE_SESSIONS";
    private const double MB = 1 << 20;

    public static async Task<IdleSessionsResult> RunAsync(string directory, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The idle sessions' memory is read from /proc: Linux only.");
        }

        if (Environment.GetEnvironmentVariable(MeasureVariable) is { Length: > 0 } seeded)
        {
            var measured = await MeasureAsync(seeded, cancellationToken);
            await File.WriteAllTextAsync(ResultPath(seeded), JsonSerializer.Serialize(measured, IdleSessionsJson.Default.IdleSessionsResult), cancellationToken);
            return measured;
        }

        // The store's files and the sandboxes' directories are the server's own: private to this user, like the host's.
        var dataDirectory = Path.Combine(directory, "idle-sessions");
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Console.Error.WriteLine($"Idle sessions: writing {Sessions:N0} conversations to SQLite...");
        var logBytes = await SeedAsync(dataDirectory, cancellationToken);
        Console.Error.WriteLine($"Idle sessions: opening them in a server process of their own...");
        await RunMeasuringProcessAsync(dataDirectory, cancellationToken);
        var result = JsonSerializer.Deserialize(await File.ReadAllTextAsync(ResultPath(dataDirectory), cancellationToken), IdleSessionsJson.Default.IdleSessionsResult)!;
        return result with { LogBytesPerSession = logBytes };
    }

    /// <summary>
    /// Stores the sessions (one more, opened to warm the server up) and their logs; returns the JSON bytes of one log.
    /// Each session is its own durable commit, as the server creates them; the logs go in one commit per hundred.
    /// </summary>
    private static async Task<long> SeedAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        using var store = new SqliteAgentStore(Options.Create(new SqliteStoreOptions()), Options.Create(new AgentRuntimeOptions { DataDirectory = dataDirectory }));
        await store.InitializeAsync(cancellationToken);

        // Active moments ago: within the idle timeout, so the server's periodic unload leaves them loaded.
        var now = TimeProvider.System.GetUtcNow();
        var ids = new List<string>();
        var batches = new List<EventBatch>();
        long logBytes = 0;
        for (var i = 0; i <= Sessions; i++)
        {
            var id = Guid.NewGuid().ToString();
            var events = IdleConversation.For(i, now.AddMinutes(-20));
            await store.CreateSessionAsync(new SessionRecord
            {
                SessionId = id,
                Architecture = ClaudeCodeArchitecture.ArchitectureName,
                AgentProfileRef = "default",
                Name = $"Session {i}",
                CreatedAt = now.AddMinutes(-20),
                LastActivity = now,
                SandboxStartCount = 1,
                Metadata = events.OfType<MetadataUpdateEvent>().Last().Metadata,
            }, cancellationToken);
            ids.Add(id);
            batches.Add(new EventBatch(id, 0, events));
            if (batches.Count == 100 || i == Sessions)
            {
                await store.AppendEventBatchesAsync(batches, cancellationToken);
                batches.Clear();
            }

            if (i == 0)
            {
                logBytes = events.Sum(e => (long)JsonSerializer.SerializeToUtf8Bytes(e, AgentRuntimeJsonContext.Default.SessionEvent).Length);
            }
        }

        await File.WriteAllLinesAsync(IdsPath(dataDirectory), ids, cancellationToken);
        return logBytes;
    }

    private static async Task RunMeasuringProcessAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot tell its own executable.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IdleSessionsBenchmark).Assembly.Location);
        }

        start.ArgumentList.Add("--idle-sessions");
        start.Environment[MeasureVariable] = dataDirectory;
        // As the host runs: this project turns tiered compilation off for the fan-out's sake, the host leaves it on, and
        // which code it keeps (quick first versions, optimized ones of the hot paths) is part of its resident memory.
        start.Environment["DOTNET_TieredCompilation"] = "1";
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
        // Its own tables are not this run's: the figures come back in the result file. What it logs is progress.
        var output = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = ForwardAsync(child.StandardError, cancellationToken);
        try
        {
            await child.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        await output;
        await errors;
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"The idle sessions' server process exited with code {child.ExitCode}.");
        }
    }

    private static async Task ForwardAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            Console.Error.WriteLine($"  {line}");
        }
    }

    private static async Task<IdleSessionsResult> MeasureAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var ids = await File.ReadAllLinesAsync(IdsPath(dataDirectory), cancellationToken);
        var eventsPerSession = IdleConversation.For(0, DateTimeOffset.UnixEpoch).Count;
        await using var host = await BenchHost.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            // One client opens every session, twice: over a tenant's requests per minute.
            ["AgentRuntime:Limits:RequestsPerMinute"] = "1000000",
        }, cancellationToken);
        using var http = new HttpClient { BaseAddress = host.Address };

        // One session opened and deleted first: the load path compiled and the connection open, none left loaded.
        await GetAsync(http, $"/api/sessions/{ids[0]}", cancellationToken);
        using (var deleted = await http.DeleteAsync($"/api/sessions/{ids[0]}", cancellationToken))
        {
            deleted.EnsureSuccessStatusCode();
        }

        var before = Snapshot();
        ResetPeak();
        var times = new List<double>(Sessions);
        var loading = Stopwatch.StartNew();
        foreach (var id in ids.Skip(1))
        {
            var watch = Stopwatch.StartNew();
            await GetAsync(http, $"/api/sessions/{id}", cancellationToken);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var loadSeconds = loading.Elapsed.TotalSeconds;
        var after = Snapshot();
        var peak = ReadStatus("VmHWM");

        // Measured first, checked after: parsing the answers is a client's work, and its garbage not the server's.
        foreach (var id in ids.Skip(1))
        {
            var detail = JsonSerializer.Deserialize(await GetAsync(http, $"/api/sessions/{id}", cancellationToken), AgentRuntimeJsonContext.Default.SessionDetail)!;
            Check(detail.LastSeq == eventsPerSession && detail.Blocks.Count > 0, $"session {id} came back with {detail.LastSeq} events and {detail.Blocks.Count} blocks");
        }

        var list = JsonSerializer.Deserialize(await GetAsync(http, "/api/sessions", cancellationToken), AgentRuntimeJsonContext.Default.SessionList)!;
        var idle = list.Sessions.Count(s => s.Runtime.IsLoaded && s.TurnState == TurnState.Idle && s.Runtime.Sandbox is null or { Status: SandboxStatus.Terminated });
        Check(idle == Sessions, $"{idle} of the {list.Sessions.Count} sessions listed are loaded and idle");

        times.Sort();
        return new IdleSessionsResult(
            Sessions,
            eventsPerSession,
            LogBytesPerSession: 0,
            before.Rss / MB,
            after.Rss / MB,
            peak / MB,
            before.GcCommitted / MB,
            after.GcCommitted / MB,
            before.Heap / MB,
            after.Heap / MB,
            loadSeconds,
            times[times.Count / 2],
            times[(int)(times.Count * 0.99)],
            System.Runtime.GCSettings.IsServerGC);
    }

    private static async Task<byte[]> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Resident memory, what the GC holds and the managed heap, after a full compacting collection.</summary>
    private static MemorySnapshot Snapshot()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var gc = GC.GetGCMemoryInfo();
        return new MemorySnapshot(ReadStatus("VmRSS"), gc.TotalCommittedBytes, gc.HeapSizeBytes);
    }

    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux), so the peak is the loads', not start-up's.
    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Then the peak includes start-up; it is only shown beside the figures.
        }
    }

    private static long ReadStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}.");
    }

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Idle sessions: {failure}.");
        }
    }

    private static string IdsPath(string dataDirectory) => Path.Combine(dataDirectory, "session-ids.txt");

    private static string ResultPath(string dataDirectory) => Path.Combine(dataDirectory, "result.json");
}

/// <summary>Memory in MB (after a full GC, except the peak), times in seconds and milliseconds.</summary>
internal sealed record IdleSessionsResult(
    int Sessions,
    int EventsPerSession,
    long LogBytesPerSession,
    double RssBefore,
    double RssAfter,
    double RssPeak,
    double GcCommittedBefore,
    double GcCommittedAfter,
    double HeapBefore,
    double HeapAfter,
    double LoadSeconds,
    double GetP50Milliseconds,
    double GetP99Milliseconds,
    bool ServerGc)
{
    [JsonIgnore]
    public double RssPerSessionKilobytes => (RssAfter - RssBefore) * 1024 / Sessions;

    [JsonIgnore]
    public double HeapPerSessionKilobytes => (HeapAfter - HeapBefore) * 1024 / Sessions;
}

/// <summary>Bytes: the process's resident memory (VmRSS), the memory the GC has committed, and the managed heap in it.</summary>
internal readonly record struct MemorySnapshot(long Rss, long GcCommitted, long Heap);

/// <summary>The result as the measuring process hands it back.</summary>
[JsonSerializable(typeof(IdleSessionsResult))]
internal sealed partial class IdleSessionsJson : JsonSerializerContext;
