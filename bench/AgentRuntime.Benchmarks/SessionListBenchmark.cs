using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRuntime.Hosting;
using AgentRuntime.Host;
using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Sqlite;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// The session list with <see cref="Sessions"/> sessions in SQLite: the store's list calls, and <c>GET /api/sessions</c>
/// whole and a page at a time through the real host (Kestrel on 127.0.0.1, auth mode <c>none</c>), each answer read to
/// the end of its body. Pages are measured at the start of the list and deep in it, after <see cref="DeepOffset"/>
/// sessions, where a page read by offset would cost the most.
/// </summary>
internal static class SessionListBenchmark
{
    public const int Sessions = 10_000;
    public const int Tenants = 10;
    public const int PageSize = 50;
    public const int DeepOffset = 9_000;
    public const int Runs = 20;

    public static async Task<SessionListResult> RunAsync(string directory, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.Combine(directory, "session-list");
        Directory.CreateDirectory(dataDirectory);
        var storeOptions = Options.Create(new SqliteStoreOptions());
        var runtimeOptions = Options.Create(new AgentRuntimeOptions { DataDirectory = dataDirectory });
        using (var seeding = new SqliteAgentStore(storeOptions, runtimeOptions))
        {
            await seeding.InitializeAsync(cancellationToken);
            await SeedAsync(seeding.DatabasePath, cancellationToken);
        }

        // A fresh store, as the server opens it, so the seeding connection's cache does not help.
        using var store = new SqliteAgentStore(storeOptions, runtimeOptions);
        var records = await store.ListSessionsAsync(null, cancellationToken);
        Check(records.Count, Sessions);
        var deep = SessionListPosition.Of(SessionSummary.From(records[DeepOffset - 1]));
        var storeRecords = await MedianAsync(() => store.ListSessionsAsync(null, cancellationToken), cancellationToken);
        var storeSummaries = await MedianAsync(() => store.ListSessionSummariesAsync(null, null, null, cancellationToken), cancellationToken);
        var storeFirstPage = await MedianAsync(() => store.ListSessionSummariesAsync(null, null, PageSize, cancellationToken), cancellationToken);
        var storeDeepPage = await MedianAsync(() => store.ListSessionSummariesAsync(null, deep, PageSize, cancellationToken), cancellationToken);
        Check((await store.ListSessionSummariesAsync(null, deep, PageSize, cancellationToken))[0].SessionId, records[DeepOffset].SessionId);

        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AgentRuntime:DataDirectory"] = dataDirectory,
                ["AgentRuntime:Auth:Mode"] = "none",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            // Warnings (a busy machine's) go to standard error with the progress, never into the tables.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        await app.StartAsync(cancellationToken);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };

            // Each answer is checked once, outside the timed calls: parsing it is the client's time, not the server's.
            var whole = await GetAsync(http, "/api/sessions", cancellationToken);
            Check(Parse(whole).Sessions.Count, Sessions);
            var deepCursor = await CursorAfterAsync(http, DeepOffset, cancellationToken);
            var deepPath = $"/api/sessions?limit={PageSize}&cursor={deepCursor}";
            Check(Parse(await GetAsync(http, deepPath, cancellationToken)).Sessions[0].SessionId, records[DeepOffset].SessionId);

            return new SessionListResult(
                storeRecords,
                storeSummaries,
                storeFirstPage,
                storeDeepPage,
                await MedianAsync(() => GetAsync(http, "/api/sessions", cancellationToken), cancellationToken),
                await MedianAsync(() => GetAsync(http, $"/api/sessions?limit={PageSize}", cancellationToken), cancellationToken),
                await MedianAsync(() => GetAsync(http, deepPath, cancellationToken), cancellationToken),
                whole.Length);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>The cursor after the first <paramref name="offset"/> sessions, walked to in pages of 1,000.</summary>
    private static async Task<string> CursorAfterAsync(HttpClient http, int offset, CancellationToken cancellationToken)
    {
        string? cursor = null;
        for (var read = 0; read < offset; read += 1000)
        {
            var page = Parse(await GetAsync(http, "/api/sessions?limit=1000" + (cursor is null ? "" : $"&cursor={cursor}"), cancellationToken));
            cursor = page.NextCursor ?? throw new InvalidOperationException($"The list ended after {read + page.Sessions.Count} sessions.");
        }

        return cursor!;
    }

    private static async Task<byte[]> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private static Api.SessionList Parse(byte[] body) => JsonSerializer.Deserialize(body, AgentRuntimeJsonContext.Default.SessionList)!;

    // The median of Runs timed calls after two untimed ones (JIT, the connection pool, SQLite's page cache).
    private static async Task<double> MedianAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 2; i++)
        {
            await call();
        }

        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            await call();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static void Check<T>(T actual, T expected)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            throw new InvalidOperationException($"The session list gave {actual} where {expected} was expected.");
        }
    }

    /// <summary>
    /// Writes the sessions straight into the store's table in one transaction: through <c>CreateSessionAsync</c> each
    /// would be its own durable commit, 10,000 disk flushes (most of a minute here) to set up one figure.
    /// </summary>
    private static async Task SeedAsync(string databasePath, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO sessions (session_id, tenant_id, architecture, agent_profile_ref, name, created_at, last_activity,
                last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata)
            VALUES ($id, $tenant, 'claude-agent-sdk', 'default', $name, $created, $activity, $ticks, 0, 1, $metadata);
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var tenant = insert.Parameters.Add("$tenant", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Text);
        var activity = insert.Parameters.Add("$activity", SqliteType.Text);
        var ticks = insert.Parameters.Add("$ticks", SqliteType.Integer);
        var metadata = insert.Parameters.Add("$metadata", SqliteType.Text);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(13);
        for (var i = 0; i < Sessions; i++)
        {
            // A minute apart, and every tenth shares its minute with the one before: ties in last activity happen.
            var last = start.AddMinutes(i - (i % 10 == 9 ? 1 : 0));
            id.Value = Guid.NewGuid().ToString();
            tenant.Value = i % Tenants == 0 ? "default" : $"tenant-{i % Tenants}";
            name.Value = $"Session {i}";
            created.Value = last.AddHours(-1).ToString("O", CultureInfo.InvariantCulture);
            activity.Value = last.ToString("O", CultureInfo.InvariantCulture);
            ticks.Value = last.UtcTicks;
            // Usage as a session that ran turns has it: the metadata the whole-record list parses and the list does not show.
            metadata.Value = JsonSerializer.Serialize(new SessionMetadata
            {
                Usage = new TokenUsage { InputTokens = random.Next(100_000), OutputTokens = random.Next(20_000), CacheReadInputTokens = random.Next(500_000) },
                CostUsd = random.Next(10_000) / 1000m,
                Model = "claude-sonnet-4-5",
            }, AgentRuntimeJsonContext.Default.SessionMetadata);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>Medians in milliseconds, and the size of the whole list's answer.</summary>
internal sealed record SessionListResult(
    double StoreRecordsMilliseconds,
    double StoreSummariesMilliseconds,
    double StoreFirstPageMilliseconds,
    double StoreDeepPageMilliseconds,
    double HttpWholeMilliseconds,
    double HttpFirstPageMilliseconds,
    double HttpDeepPageMilliseconds,
    long WholeBytes);
