// Prints the persistence figures quoted in README.md and docs/persistence.md: event append throughput, and the write
// cost of one turn as the transcript grows, for SQLite and PostgreSQL; end-of-turn transcript persistence; the latency
// the sandbox gateway's model proxy adds to a streamed model call; and the event fan-out through a real server. Not a
// timed test: it measures for fixed durations and stops by itself (about five minutes on two cores, at most eight).
// --model-proxy measures only the model proxy (seconds, no PostgreSQL needed).
// --workspace-files measures only workspace files through the stores' stream API: four 50 MB files saved and read back
// in SQLite and PostgreSQL, with throughput and the process's resident memory (well under a minute).
// --transcript-sync measures only end-of-turn transcript persistence: TranscriptSync against a local sandbox and SQLite
// at 0.2 to 50 MB of transcript, beside the whole-file read it replaced (about 10 s, no PostgreSQL needed).
// --fan-out measures only the event path through a real server: sessions streaming deltas to SSE and hub subscribers
// (about 50 s).
// --session-list measures only the session list: 10,000 sessions in SQLite, listed by the store and by GET /api/sessions,
// whole and a page of 50, through the real host in-process (seconds, no PostgreSQL needed).
// --transcript-parse measures only the Claude transcript parser on a generated 50,000-line transcript (seconds).
// --idle-sessions measures only the memory of 1,000 idle loaded sessions, opened through the real host in a process of
// their own (about 20 s, no PostgreSQL needed).
// --interrupt measures only how long a turn takes to stop after POST /interrupt: the real host, the real Claude Code CLI in
// its bubblewrap sandbox and a scripted model, during a long tool and while text streams (about 25 s).
// --dependency-layers measures only what a profile's npm and pip dependencies cost a new session's first turn: installed
// from a local package mirror through the egress proxy by the first session, cached for the next (about 40 s).
// --cluster measures only three real servers as one cluster on PostgreSQL: event latency to a subscriber on the session's
// own node and on another, sessions per node, and how soon a killed node's sessions are usable again (about 60 s).
using System.Globalization;
using System.Runtime.InteropServices;
using AgentRuntime.Benchmarks;
using AgentRuntime.Benchmarks.Cluster;
using AgentRuntime.Benchmarks.DependencyLayers;
using AgentRuntime.Benchmarks.FanOut;
using AgentRuntime.Benchmarks.IdleSessions;
using AgentRuntime.Benchmarks.Interrupt;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Postgres;
using AgentRuntime.Persistence.Sqlite;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// A hard stop, so a wedged database cannot keep the benchmark running.
var limit = TimeSpan.FromSeconds(480);
using var deadline = new CancellationTokenSource(limit);
var cancellationToken = deadline.Token;
var phase = TimeSpan.FromSeconds(args.Contains("--quick") ? 1 : 3);
var modelProxyOnly = args.Contains("--model-proxy");
var workspaceFilesOnly = args.Contains("--workspace-files");
var transcriptSyncOnly = args.Contains("--transcript-sync");
var fanOutOnly = args.Contains("--fan-out");
// Each fan-out run streams one measured turn of this length per session.
var fanOutTurn = TimeSpan.FromSeconds(args.Contains("--quick") ? 2 : 5);
var sessionListOnly = args.Contains("--session-list");
var transcriptParseOnly = args.Contains("--transcript-parse");
var idleSessionsOnly = args.Contains("--idle-sessions");
var interruptOnly = args.Contains("--interrupt");
var dependencyLayersOnly = args.Contains("--dependency-layers");
var clusterOnly = args.Contains("--cluster");

Console.WriteLine($"# Agent runtime benchmark");
Console.WriteLine();
Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}; " +
    $"one 4 KB write + fsync in the temporary directory takes {FsyncMilliseconds():0.00} ms (median), the floor under every durable commit.");

var results = new List<(string Store, AppendThroughput Single, AppendThroughput Batch, TurnCost[] Turns)>();
ModelProxyResult modelProxy;
List<WorkspaceFilesResult> workspaceFiles;
(string Store, TranscriptSyncCost[] Costs) transcriptSync;
List<FanOutResult> fanOut;
SessionListResult sessionList;
TranscriptParseResult transcriptParse;
IdleSessionsResult idleSessions;
InterruptResult interrupt;
DependencyLayerResult dependencyLayers;
ClusterResult cluster;
var directory = Directory.CreateTempSubdirectory("agent-runtime-bench-").FullName;
try
{
    if (sessionListOnly)
    {
        PrintSessionList(await RunSessionListAsync(directory, cancellationToken));
        return 0;
    }

    if (idleSessionsOnly)
    {
        PrintIdleSessions(await IdleSessionsBenchmark.RunAsync(directory, cancellationToken));
        return 0;
    }

    if (dependencyLayersOnly)
    {
        PrintDependencyLayers(await DependencyLayerBenchmark.RunAsync(directory, cancellationToken));
        return 0;
    }

    if (clusterOnly)
    {
        PrintCluster(await ClusterBenchmark.RunAsync(cancellationToken));
        return 0;
    }

    if (interruptOnly)
    {
        PrintInterrupt(await InterruptBenchmark.RunAsync(directory, cancellationToken));
        return 0;
    }

    if (workspaceFilesOnly)
    {
        PrintWorkspaceFiles(await RunWorkspaceFilesAsync(directory, cancellationToken));
        return 0;
    }

    if (transcriptSyncOnly)
    {
        PrintTranscriptSync(await RunTranscriptSyncAsync(directory, cancellationToken));
        return 0;
    }

    if (fanOutOnly)
    {
        PrintFanOut(await FanOutBenchmark.RunAsync(directory, fanOutTurn, cancellationToken), fanOutTurn);
        return 0;
    }

    // The first part of the full run, so that its first parse is the first in the process, as it is for a server
    // loading its first session.
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
    transcriptSync = await RunTranscriptSyncAsync(directory, cancellationToken);
    fanOut = await FanOutBenchmark.RunAsync(directory, fanOutTurn, cancellationToken);
    sessionList = await RunSessionListAsync(directory, cancellationToken);
    interrupt = await InterruptBenchmark.RunAsync(directory, cancellationToken);
    dependencyLayers = await DependencyLayerBenchmark.RunAsync(directory, cancellationToken);
    cluster = await ClusterBenchmark.RunAsync(cancellationToken);
    idleSessions = await IdleSessionsBenchmark.RunAsync(directory, cancellationToken);
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
PrintTranscriptSync(transcriptSync);
PrintFanOut(fanOut, fanOutTurn);
PrintSessionList(sessionList);
PrintTranscriptParse(transcriptParse);
PrintIdleSessions(idleSessions);
PrintInterrupt(interrupt);
PrintDependencyLayers(dependencyLayers);
PrintCluster(cluster);
return 0;

static async Task<(string, TranscriptSyncCost[])> RunTranscriptSyncAsync(string directory, CancellationToken cancellationToken)
{
    using var sqlite = new SqliteAgentStore(
        Options.Create(new SqliteStoreOptions { Path = Path.Combine(directory, "transcripts.db") }),
        Options.Create(new AgentRuntimeOptions { DataDirectory = directory }));
    await sqlite.InitializeAsync(cancellationToken);
    return ($"SQLite {SqliteVersion()} (WAL, synchronous=FULL)", await TranscriptSyncBenchmark.RunAsync(sqlite, directory, cancellationToken));
}

static void PrintTranscriptSync((string Store, TranscriptSyncCost[] Costs) result)
{
    Console.WriteLine();
    Console.WriteLine($"## End-of-turn transcript persistence ({TranscriptSyncBenchmark.AppendBytes / 1024} KB appended per turn, median of {TranscriptSyncBenchmark.Turns} turns)");
    Console.WriteLine();
    Console.WriteLine($"`TranscriptSync.SaveAsync` as a turn's end runs it: listing the transcript directory of a local sandbox (its openat2 file " +
        $"operations, isolation off as no process runs), reading the file, appending the new bytes to {result.Store}. Now it reads the last " +
        $"{TranscriptSync.CheckBytes / 1024} KB stored and what is new; before issue 13 it read and SHA-256-hashed the whole file, emulated here over the same turns.");
    Console.WriteLine();
    Console.WriteLine("The last column is the same sync into the in-memory store: the sandbox side alone (listing, reads, hashes), without the commit.");
    Console.WriteLine();
    Console.WriteLine("| transcript before the turn | read per turn now / before | now | before (whole file) | now, sandbox side only |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
    foreach (var c in result.Costs)
    {
        Console.WriteLine($"| {c.TranscriptBytes / (double)(1 << 20):0.#} MB | {(TranscriptSync.CheckBytes + TranscriptSyncBenchmark.AppendBytes) / 1024} KB / " +
            $"{(c.TranscriptBytes + TranscriptSyncBenchmark.AppendBytes) / (double)(1 << 20):0.#} MB | {c.Milliseconds:0.00} ms | {c.WholeFileMilliseconds:0.00} ms | {c.SandboxMilliseconds:0.00} ms |");
    }
}

static async Task<SessionListResult> RunSessionListAsync(string directory, CancellationToken cancellationToken)
{
    Console.Error.WriteLine($"Session list: {SessionListBenchmark.Sessions:N0} sessions in SQLite, the store and GET /api/sessions...");
    return await SessionListBenchmark.RunAsync(directory, cancellationToken);
}

static void PrintSessionList(SessionListResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Session list: {SessionListBenchmark.Sessions:N0} sessions of {SessionListBenchmark.Tenants} tenants in SQLite {SqliteVersion()} (WAL), " +
        $"median of {SessionListBenchmark.Runs} calls");
    Console.WriteLine();
    Console.WriteLine($"| call | whole list | a page of {SessionListBenchmark.PageSize}: first / after {SessionListBenchmark.DeepOffset:N0} |");
    Console.WriteLine("| --- | ---: | ---: |");
    Console.WriteLine($"| store `ListSessionsAsync` (whole records, metadata parsed) | {r.StoreRecordsMilliseconds:0.0} ms | |");
    Console.WriteLine($"| store `ListSessionSummariesAsync` (what the list reads) | {r.StoreSummariesMilliseconds:0.0} ms " +
        $"| {r.StoreFirstPageMilliseconds:0.00} / {r.StoreDeepPageMilliseconds:0.00} ms |");
    Console.WriteLine($"| `GET /api/sessions` through the host (loopback, auth `none`), body read whole | {r.HttpWholeMilliseconds:0.0} ms ({r.WholeBytes / 1e6:0.0} MB) " +
        $"| {r.HttpFirstPageMilliseconds:0.00} / {r.HttpDeepPageMilliseconds:0.00} ms |");
}

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

static void PrintFanOut(List<FanOutResult> results, TimeSpan turn)
{
    Console.WriteLine();
    Console.WriteLine($"## Event fan-out through the server: each session streams one {turn.TotalSeconds:0} s turn at {FanOutBenchmark.EventsPerSecond} deltas/s " +
        "to one SSE and one hub subscriber");
    Console.WriteLine();
    Console.WriteLine("| store | sessions | events appended | sustained events/s (target) | SSE p50 / p99 / max | hub p50 / p99 / max | lost / dup / out of order | cores: this process / the rest | GC pauses |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
    {
        Console.WriteLine($"| {r.Store} | {r.Sessions} | {r.EventsAppended:N0} | {r.EventsPerSecond:N0} ({r.TargetEventsPerSecond:N0}) " +
            $"| {Latency(r.Sse)} | {Latency(r.Hub)} | {r.Lost:N0} / {r.Duplicates:N0} / {r.OutOfOrder:N0} " +
            $"| {r.Probe.Cores:0.00} / {r.Probe.OtherCores:0.00} | {r.Probe.GcPause * 1000:N0} ms |");
    }

    Console.WriteLine();
    Console.WriteLine("The agent and the sandbox are bench stand-ins (a connection that yields deltas on a schedule, each carrying the time it was " +
        "produced; a sandbox that holds nothing); everything from the connection's events on is the real path: the session's log, the group " +
        "commit, the store, the SSE writer and the SignalR hub of a server built as the host builds it, over loopback TCP to clients in the " +
        $"same process, whose CPU is counted with the server's ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC). " +
        $"Each session runs a {FanOutBenchmark.WarmUp.TotalSeconds:0} s turn first, unmeasured. Latency: from a delta's production to its receipt, in ms. " +
        "Sustained: the events appended in the measured turns over the time from the first message sent to the last turn's end appended. " +
        "Lost, duplicated and out of order: every subscriber's seqs against its session's log. Cores: averages over the measured turn, " +
        "from /proc/stat; on a shared machine the rest's load takes cores from the server. " +
        $"The target: 100 sessions x {FanOutBenchmark.EventsPerSecond} events/s sustained with p99 < 20 ms and nothing lost, on two cores.");
    foreach (var r in results.Where(r => r.DroppedSubscribers > 0 || r.UnfinishedSubscribers > 0))
    {
        Console.WriteLine();
        Console.WriteLine($"{r.Store}, {r.Sessions} sessions: {r.DroppedSubscribers} subscribers dropped ({r.FirstFailure}), " +
            $"{r.UnfinishedSubscribers} did not see their turn end in time.");
    }

    static string Latency(LatencyStats s) => $"{s.P50:0.0} / {s.P99:0.0} / {s.Max:0}";
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

static void PrintIdleSessions(IdleSessionsResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Idle sessions: {r.Sessions:N0} loaded, each with a {r.EventsPerSession}-event conversation in its log ({r.LogBytesPerSession / 1024.0:0} KB of JSON), no sandbox");
    Console.WriteLine();
    Console.WriteLine("| server process | RSS | held by the GC | managed heap |");
    Console.WriteLine("| --- | ---: | ---: | ---: |");
    Console.WriteLine($"| started, no session loaded | {r.RssBefore:0} MB | {r.GcCommittedBefore:0} MB | {r.HeapBefore:0.0} MB |");
    Console.WriteLine($"| {r.Sessions:N0} sessions loaded, idle | {r.RssAfter:0} MB | {r.GcCommittedAfter:0} MB | {r.HeapAfter:0.0} MB |");
    Console.WriteLine($"| per session | {r.RssPerSessionKilobytes:0} KB | | {r.HeapPerSessionKilobytes:0} KB |");
    Console.WriteLine();
    Console.WriteLine($"{r.Sessions:N0} idle loaded sessions < {IdleSessionsBenchmark.TargetMegabytes:0} MB RSS: " +
        $"**{(r.RssAfter < IdleSessionsBenchmark.TargetMegabytes ? "met" : "not met")}** ({r.RssAfter:0} MB). Opening them one after another " +
        $"(`GET /api/sessions/{{id}}`, which loads each from SQLite) took {r.LoadSeconds:0.0} s, {r.GetP50Milliseconds:0.0} / {r.GetP99Milliseconds:0.0} ms " +
        $"p50 / p99 each; RSS peaked at {r.RssPeak:0} MB. Figures after a full compacting GC, in a host process of their own " +
        $"({(r.ServerGc ? "server" : "workstation")} GC and tiered compilation, as the host runs); held by the GC: the memory it has committed, " +
        "the heap and the free space it keeps for the next allocations.");
}

static void PrintDependencyLayers(DependencyLayerResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Profile dependencies: a new session's first turn (message → `turn:completed`), median of {DependencyLayerBenchmark.Sessions} sessions");
    Console.WriteLine();
    Console.WriteLine("| profile | first turn | of which installing |");
    Console.WriteLine("| --- | ---: | ---: |");
    Console.WriteLine($"| no dependencies | {r.PlainMs:0} ms | |");
    Console.WriteLine($"| one npm + one pip package, first session (installs the layer) | {r.ColdMs:0} ms | {r.InstallSeconds * 1000:0} ms |");
    Console.WriteLine($"| the same, later sessions (layer cached) | {r.WarmMs:0} ms | 0 |");
    Console.WriteLine();
    Console.WriteLine($"The real host (SQLite, bubblewrap, Claude Code) and a local package mirror reached through the egress proxy; the mirror served {r.Downloads} archives in all (one per package).");
}

static void PrintCluster(ClusterResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Cluster: {r.Nodes} server processes on one PostgreSQL (loopback), {r.Sessions} sessions created round-robin, Claude Code in bubblewrap");
    Console.WriteLine();
    Console.WriteLine("| text delta, owner's append → SSE client | p50 | p99 | deltas |");
    Console.WriteLine("| --- | ---: | ---: | ---: |");
    Console.WriteLine($"| subscriber on the session's node | {r.SameNode.P50:0.0} ms | {r.SameNode.P99:0.0} ms | {r.DeltasPerSide} |");
    Console.WriteLine($"| subscriber on another node (through the session's grain) | {r.CrossNode.P50:0.0} ms | {r.CrossNode.P99:0.0} ms | {r.DeltasPerSide} |");
    Console.WriteLine();
    Console.WriteLine("| node killed (SIGKILL) with its sessions | |");
    Console.WriteLine("| --- | ---: |");
    Console.WriteLine($"| sessions per node before | {string.Join(" / ", r.SessionsPerNode)} |");
    Console.WriteLine($"| sessions on the killed node | {r.LostSessions} |");
    Console.WriteLine($"| first / last of them to take a message through a survivor | {r.FirstAcceptedMs / 1000:0.0} s / {r.AllAcceptedMs / 1000:0.0} s |");
    Console.WriteLine($"| first / last of them to complete that turn (new sandbox, conversation restored) | {r.FirstCompletedMs / 1000:0.0} s / {r.AllCompletedMs / 1000:0.0} s |");
    Console.WriteLine($"| sessions per surviving node after | {string.Join(" / ", r.SessionsPerSurvivor)} |");
    Console.WriteLine();
    Console.WriteLine("Failure detection tuned as in the tests (" + string.Join(", ", r.Failover.Select(f => $"{f.Key.Replace("AgentRuntime:Cluster:", "", StringComparison.Ordinal)}={f.Value}")) +
        "); with the production defaults a dead node is declared dead after about three missed 5 s probes, which adds to the times above (docs/scaling.md).");
}

static void PrintInterrupt(InterruptResult r)
{
    Console.WriteLine();
    Console.WriteLine($"## Interrupt: `POST /interrupt` to `session:turn:completed` received over SSE, Claude Code {r.CliVersion} in its bubblewrap sandbox, " +
        $"{InterruptBenchmark.Turns} turns per scenario after one warm-up");
    Console.WriteLine();
    Console.WriteLine("| interrupted | stopped p50 / p90 / max | `202` p50 / max | `interrupted` | hard stops | next turn completed (CLI restarted) |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var s in new[] { r.DuringTool, r.WhileStreaming })
    {
        Console.WriteLine($"| {s.Name} | {s.Stopped.P50:0} / {s.Stopped.P90:0} / {s.Stopped.Max:0} ms | {s.Accepted.P50:0.0} / {s.Accepted.Max:0.0} ms " +
            $"| {s.Interrupted} of {s.Samples.Count} | {s.HardStops} | {s.NextCompleted} of {s.Samples.Count} ({s.CliRestarts}) |");
    }

    Console.WriteLine();
    Console.WriteLine("Where the time goes (medians of each step, ms; each step from the runtime's own log entries, stamped as they were written):");
    Console.WriteLine();
    Console.WriteLine("| interrupted | POST → the session takes it | → `interrupt` written to the CLI | → the CLI's `result` read | → `turn:completed` received |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
    foreach (var s in new[] { r.DuringTool, r.WhileStreaming })
    {
        Console.WriteLine($"| {s.Name} | {Step(s.MedianStep(_ => 0, x => x.TakenMs))} | {Step(s.MedianStep(x => x.TakenMs, x => x.SentMs))} " +
            $"| {Step(s.MedianStep(x => x.SentMs, x => x.ResultMs))} | {Step(s.MedianStep(x => x.ResultMs, x => x.StoppedMs))} |");
    }

    Console.WriteLine();
    Console.WriteLine($"The real host (SQLite, the local sandbox, auth `none` on loopback) with one session and one SSE subscriber; the scripted model " +
        $"answers a tool call `sleep 30` (interrupted {InterruptBenchmark.ToolSettle.TotalMilliseconds:0} ms after the call's block completed) or a text " +
        $"streamed in {InterruptBenchmark.StreamPieces} deltas {InterruptBenchmark.StreamChunkDelay.TotalMilliseconds:0} ms apart (interrupted at the " +
        $"{InterruptBenchmark.DeltasBeforeInterrupt}rd delta received). After each interrupt the next message is sent and must complete. Hard stop: the " +
        $"grace ({r.Grace.TotalSeconds:0} s) passed and the session cancelled the turn. The session's first turn (the sandbox and the CLI starting) took " +
        $"{r.FirstTurnMs:0} ms. Target: the turn ends < 1 s after the request: **{(Math.Max(r.DuringTool.Stopped.Max, r.WhileStreaming.Stopped.Max) < 1000 ? "met" : "not met")}** " +
        $"(slowest {Math.Max(r.DuringTool.Stopped.Max, r.WhileStreaming.Stopped.Max):0} ms).");

    static string Step(double? ms) => ms is { } value ? $"{value:0}" : "—";
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
