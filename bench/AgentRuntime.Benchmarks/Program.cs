// Prints the persistence figures quoted in README.md and docs/persistence.md: event append throughput, and the write
// cost of one turn as the transcript grows, for SQLite and PostgreSQL; and the latency the sandbox gateway's model proxy
// adds to a streamed model call. Not a timed test: it measures for fixed durations and stops by itself (about a minute
// on two cores, at most three). --model-proxy measures only the model proxy (seconds, no PostgreSQL needed).
// --workspace-files measures only workspace files through the stores' stream API: four 50 MB files saved and read back
// in SQLite and PostgreSQL, with throughput and the process's resident memory (well under a minute).
// --transcript-parse measures only the Claude transcript parser on a generated 50,000-line transcript (seconds).
using System.Globalization;
using System.Runtime.InteropServices;
using AgentRuntime.Benchmarks;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Postgres;
using AgentRuntime.Persistence.Sqlite;
using AgentRuntime.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// A hard stop, so a wedged database cannot keep the benchmark running.
var limit = TimeSpan.FromSeconds(180);
using var deadline = new CancellationTokenSource(limit);
var cancellationToken = deadline.Token;
var phase = TimeSpan.FromSeconds(args.Contains("--quick") ? 1 : 3);
var modelProxyOnly = args.Contains("--model-proxy");
var workspaceFilesOnly = args.Contains("--workspace-files");
var transcriptParseOnly = args.Contains("--transcript-parse");

Console.WriteLine($"# Agent runtime benchmark");
Console.WriteLine();
Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}; " +
    $"one 4 KB write + fsync in the temporary directory takes {FsyncMilliseconds():0.00} ms (median), the floor under every durable commit.");

var results = new List<(string Store, AppendThroughput Single, AppendThroughput Batch, TurnCost[] Turns)>();
ModelProxyResult modelProxy;
List<WorkspaceFilesResult> workspaceFiles;
TranscriptParseResult transcriptParse;
var directory = Directory.CreateTempSubdirectory("agent-runtime-bench-").FullName;
try
{
    if (workspaceFilesOnly)
    {
        PrintWorkspaceFiles(await RunWorkspaceFilesAsync(directory, cancellationToken));
        return 0;
    }

    // First, so that its first parse is the first in the process, as it is for a server loading its first session.
    Console.Error.WriteLine($"Transcript parse: generating and parsing {TranscriptParseBenchmark.Lines:N0} lines...");
    transcriptParse = TranscriptParseBenchmark.Run(cancellationToken);

    // Its 57 MB transcript and the blocks are garbage now: give the memory back, so that the resident memory the
    // workspace files benchmark reports starts from a small heap.
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    if (transcriptParseOnly)
    {
        PrintTranscriptParse(transcriptParse);
        return 0;
    }

    Console.Error.WriteLine($"Model proxy: {ModelProxyBenchmark.Requests} streamed calls direct and through a lease...");
    modelProxy = await ModelProxyBenchmark.RunAsync(cancellationToken);
    if (modelProxyOnly)
    {
        PrintModelProxy(modelProxy);
        return 0;
    }

    var databasePath = Path.Combine(directory, "bench.db");
    using (var sqlite = new SqliteAgentStore(
        Options.Create(new SqliteStoreOptions { Path = databasePath }),
        Options.Create(new AgentRuntimeOptions { DataDirectory = directory })))
    {
        await sqlite.InitializeAsync(cancellationToken);
        var synchronous = await SqlitePragmaAsync(databasePath, "synchronous", cancellationToken);
        var label = $"SQLite {SqliteVersion()} (WAL, synchronous={(synchronous == "2" ? "FULL" : synchronous == "1" ? "NORMAL" : synchronous)})";
        results.Add(await RunAsync(label, sqlite, cancellationToken));
    }

    // Durable: fsync and synchronous_commit on, as a production server runs, so the two stores pay for the same promise.
    await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true }, cancellationToken);
    var connectionString = await server.CreateDatabaseAsync("bench", cancellationToken);
    await using (var postgres = new PostgresAgentStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString })))
    {
        await postgres.InitializeAsync(cancellationToken);
        results.Add(await RunAsync($"PostgreSQL {PostgresVersion(server)} (loopback TCP, fsync on)", postgres, cancellationToken));
    }

    // The same server with commits acknowledged before their WAL is flushed (a crash may lose the last moments, never
    // consistency): what remains is the cost of the round trips and the work, without the disk's flush latency.
    await using (var postgres = new PostgresAgentStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString + ";Options=-c synchronous_commit=off" })))
    {
        await postgres.InitializeAsync(cancellationToken);
        results.Add(await RunAsync($"PostgreSQL {PostgresVersion(server)} (loopback TCP, synchronous_commit=off)", postgres, cancellationToken));
    }

    workspaceFiles = await RunWorkspaceFilesAsync(directory, cancellationToken);
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Console.Error.WriteLine($"The benchmark did not finish within {limit.TotalSeconds:0} s and was stopped; no figures.");
    return 1;
}
finally
{
    Directory.Delete(directory, recursive: true);
}

Console.WriteLine();
Console.WriteLine("## Event appends (one writer, back to back)");
Console.WriteLine();
Console.WriteLine("| store | single appends | p50 / p99 per call | batches of 64 | p50 / p99 per batch |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
foreach (var r in results)
{
    Console.WriteLine($"| {r.Store} | {r.Single.EventsPerSecond:N0} events/s | {r.Single.P50Milliseconds:0.00} / {r.Single.P99Milliseconds:0.00} ms " +
        $"| {r.Batch.EventsPerSecond:N0} events/s | {r.Batch.P50Milliseconds:0.00} / {r.Batch.P99Milliseconds:0.00} ms |");
}

Console.WriteLine();
Console.WriteLine($"## One turn's writes as the transcript grows (median of {StoreBenchmark.TurnsPerSize} turns)");
Console.WriteLine();
Console.WriteLine($"A turn: {StoreBenchmark.TurnEvents().Count} events appended one by one as they stream, then one append of the turn's " +
    $"{StoreBenchmark.TurnTranscriptBytes / 1024} KB of new transcript.");
Console.WriteLine();
Console.WriteLine("| transcript before the turn | " + string.Join(" | ", results.Select(r => ShortName(r.Store))) + " |");
Console.WriteLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", results.Count)));
for (var i = 0; i < StoreBenchmark.TranscriptSizes.Length; i++)
{
    Console.WriteLine($"| {Size(StoreBenchmark.TranscriptSizes[i])} | " + string.Join(" | ", results.Select(r => $"{r.Turns[i].TurnMilliseconds:0.0} ms")) + " |");
}

Console.WriteLine();
Console.WriteLine("## The turn's transcript write: appending the new bytes (what the stores do) or rewriting the whole file");
Console.WriteLine();
Console.WriteLine("| transcript before the turn | " + string.Join(" | ", results.Select(r => $"{ShortName(r.Store)}: append / rewrite")) + " |");
Console.WriteLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", results.Count)));
for (var i = 0; i < StoreBenchmark.TranscriptSizes.Length; i++)
{
    Console.WriteLine($"| {Size(StoreBenchmark.TranscriptSizes[i])} | " +
        string.Join(" | ", results.Select(r => $"{r.Turns[i].TranscriptAppendMilliseconds:0.00} ms / {r.Turns[i].RewriteMilliseconds:0.0} ms")) + " |");
}

PrintModelProxy(modelProxy);
PrintWorkspaceFiles(workspaceFiles);
PrintTranscriptParse(transcriptParse);
return 0;

static async Task<List<WorkspaceFilesResult>> RunWorkspaceFilesAsync(string directory, CancellationToken cancellationToken)
{
    var results = new List<WorkspaceFilesResult>();
    using (var sqlite = new SqliteAgentStore(
        Options.Create(new SqliteStoreOptions { Path = Path.Combine(directory, "files.db") }),
        Options.Create(new AgentRuntimeOptions { DataDirectory = directory })))
    {
        await sqlite.InitializeAsync(cancellationToken);
        Console.Error.WriteLine("SQLite: workspace files...");
        results.Add(await WorkspaceFilesBenchmark.RunAsync($"SQLite {SqliteVersion()} (WAL)", sqlite, directory, cancellationToken));
    }

    await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true }, cancellationToken);
    await using (var postgres = new PostgresAgentStore(Options.Create(new PostgresStoreOptions { ConnectionString = await server.CreateDatabaseAsync("files", cancellationToken) })))
    {
        await postgres.InitializeAsync(cancellationToken);
        Console.Error.WriteLine("PostgreSQL: workspace files...");
        results.Add(await WorkspaceFilesBenchmark.RunAsync($"PostgreSQL {PostgresVersion(server)} (loopback TCP, fsync on)", postgres, directory, cancellationToken));
    }

    return results;
}

static void PrintWorkspaceFiles(List<WorkspaceFilesResult> results)
{
    Console.WriteLine();
    Console.WriteLine($"## Workspace files: {WorkspaceFilesBenchmark.Files} files of {WorkspaceFilesBenchmark.FileBytes >> 20} MB saved from a file and read back through the stream API");
    Console.WriteLine();
    Console.WriteLine("| store | save | read | RSS before | RSS peak | RSS after (GC) |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
    {
        Console.WriteLine($"| {r.Store} | {r.SaveMBps:0} MB/s | {r.ReadMBps:0} MB/s | {r.RssBefore:0} MB | {r.RssPeak:0} MB | {r.RssAfter:0} MB |");
    }
}

static void PrintTranscriptParse(TranscriptParseResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Transcript parse: a generated Claude Code transcript of {r.Lines:N0} lines, {r.Bytes / (1024.0 * 1024.0):0.0} MB in {r.Files} files, " +
        $"into {r.Blocks:N0} blocks and {r.Subagents} subagent threads");
    Console.WriteLine();
    Console.WriteLine("| parse | time | throughput | allocated |");
    Console.WriteLine("| --- | ---: | ---: | ---: |");
    Console.WriteLine($"| first in the process | {r.First.Milliseconds:0} ms | {r.MegabytesPerSecond(r.First):0} MB/s | {r.First.Allocated / (1024.0 * 1024.0):0} MB |");
    Console.WriteLine($"| warm (median of {TranscriptParseBenchmark.WarmRuns}) | {r.Warm.Milliseconds:0} ms | {r.MegabytesPerSecond(r.Warm):0} MB/s | {r.Warm.Allocated / (1024.0 * 1024.0):0} MB |");
}

static void PrintModelProxy(ModelProxyResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Model proxy: one streamed call (Anthropic-style SSE, 11 events, pauses of at least {ModelProxyBenchmark.EventInterval.TotalMilliseconds:0} ms between them), " +
        $"{ModelProxyBenchmark.Requests} calls each way, alternating");
    Console.WriteLine();
    Console.WriteLine("| path | first byte p50 / p99 | whole answer p50 / p99 |");
    Console.WriteLine("| --- | ---: | ---: |");
    Console.WriteLine($"| direct to the upstream (loopback TCP) | {r.Direct.FirstByteP50:0.00} / {r.Direct.FirstByteP99:0.00} ms | {r.Direct.TotalP50:0.00} / {r.Direct.TotalP99:0.00} ms |");
    Console.WriteLine($"| through a gateway lease (splice, Unix socket, Kestrel, upstream client) | {r.Proxied.FirstByteP50:0.00} / {r.Proxied.FirstByteP99:0.00} ms | {r.Proxied.TotalP50:0.00} / {r.Proxied.TotalP99:0.00} ms |");
    Console.WriteLine($"| added by the proxy (difference of the percentiles) | {r.Proxied.FirstByteP50 - r.Direct.FirstByteP50:0.00} / {r.Proxied.FirstByteP99 - r.Direct.FirstByteP99:0.00} ms " +
        $"| {r.Proxied.TotalP50 - r.Direct.TotalP50:0.00} / {r.Proxied.TotalP99 - r.Direct.TotalP99:0.00} ms |");
    Console.WriteLine();
    Console.WriteLine($"The proxy counted {r.CountedTokens:N0} tokens over the timed and warm-up calls.");
}

async Task<(string, AppendThroughput, AppendThroughput, TurnCost[])> RunAsync(string label, IAgentStore store, CancellationToken cancellationToken)
{
    var benchmark = new StoreBenchmark(store, phase);
    Console.Error.WriteLine($"{label}: single appends...");
    var single = await benchmark.MeasureAppendsAsync(1, cancellationToken);
    Console.Error.WriteLine($"{label}: batches of 64...");
    var batch = await benchmark.MeasureAppendsAsync(64, cancellationToken);
    var turns = new List<TurnCost>();
    foreach (var size in StoreBenchmark.TranscriptSizes)
    {
        Console.Error.WriteLine($"{label}: turns at {Size(size)}...");
        turns.Add(await benchmark.MeasureTurnAsync(size, cancellationToken));
    }

    return (label, single, batch, [.. turns]);
}

static string ShortName(string label) => label.Contains("synchronous_commit=off", StringComparison.Ordinal)
    ? "PostgreSQL, async commit"
    : label.Split(' ')[0];

static double FsyncMilliseconds()
{
    var path = Path.Combine(Path.GetTempPath(), $"agent-runtime-fsync-{Guid.NewGuid():N}");
    try
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var block = new byte[4096];
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            file.Write(block);
            file.Flush(flushToDisk: true);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return times.Order().ElementAt(times.Count / 2);
    }
    finally
    {
        File.Delete(path);
    }
}

static string Size(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes / 1024} KB";

static string SqliteVersion()
{
    using var connection = new SqliteConnection("Data Source=:memory:");
    connection.Open();
    return connection.ServerVersion;
}

static async Task<string> SqlitePragmaAsync(string path, string pragma, CancellationToken cancellationToken)
{
    // A fresh connection reports the library's default, which is what the store's connections run with.
    await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
    await connection.OpenAsync(cancellationToken);
    await using var command = connection.CreateCommand();
    command.CommandText = $"PRAGMA {pragma};";
    return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture)!;
}

static string PostgresVersion(PostgresServer server) =>
    File.ReadAllText(Path.Combine(server.DataDirectory, "PG_VERSION")).Trim();
