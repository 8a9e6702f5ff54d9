using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence.Postgres;
using AgentRuntime.Persistence.Tests.Conformance;
using AgentRuntime.Security;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Postgres;

/// <summary>
/// The conformance suite against <see cref="PostgresAgentStore"/> on a real PostgreSQL server, each test in a database
/// of its own (created before it, dropped after), plus what is particular to PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAgentStoreTests(PostgresServerFixture fixture) : DurableAgentStoreConformanceTests
{
    private readonly string _database = NewDatabaseName();
    private readonly List<string> _databases = [];
    private readonly List<PostgresAgentStore> _stores = [];

    protected override async Task<IAgentStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        await CreateDatabaseAsync(_database, cancellationToken);
        return await OpenAsync(_database, cancellationToken);
    }

    protected override async Task<IAgentStore> ReopenStoreAsync(CancellationToken cancellationToken)
    {
        // Disposing the data sources closes their connections, so the new instance reads what the server committed.
        await DisposeStoresAsync();
        return await OpenAsync(_database, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await DisposeStoresAsync();
        foreach (var database in _databases)
        {
            // Not the test's token: a cancelled test still drops its database (the drop is bounded by the helper).
            await fixture.Server.DropDatabaseAsync(database, CancellationToken.None);
        }

        await base.DisposeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_EmptyDatabase_CreatesTablesAtLatestSchemaVersion()
    {
        await using var connection = await ConnectAsync();

        Assert.Equal(PostgresSchema.Migrations.Count, await ScalarAsync<int>(connection, "SELECT version FROM schema_version;"));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
        Assert.Equal(
            "api_keys,events,profile_versions,profiles,schema_version,sessions,transcript_chunks,transcript_files,workspace_file_chunks,workspace_files",
            await ScalarAsync<string>(connection,
                "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public';"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_CalledAgain_KeepsDataAndSingleVersionRow()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);

        await Store.InitializeAsync(CancellationToken);
        await (await OpenAsync(_database, CancellationToken)).InitializeAsync(CancellationToken);

        Assert.NotNull(await Store.GetSessionAsync(session.SessionId, CancellationToken));
        Assert.Equal(1, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
        await using var connection = await ConnectAsync();
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_SchemaThreeWithProfileAndSession_MakesTheProfileVersionOneAndTheSessionFollowTheLatest()
    {
        // A database as schema 3 left it: one JSON per profile, sessions without a profile version.
        var database = NewDatabaseName();
        await CreateDatabaseAsync(database, CancellationToken);
        var profile = Profile("reviewer", "Reviewer");
        await using (var connection = await ConnectAsync(database))
        {
            await ExecuteAsync(connection, PostgresSchema.CreateVersionTable + PostgresSchema.Migrations[0] + PostgresSchema.Migrations[1] + PostgresSchema.Migrations[2] + $"""
                INSERT INTO schema_version (version) VALUES (3);
                INSERT INTO sessions (session_id, tenant_id, architecture, agent_profile_ref, name, created_at, last_activity,
                    last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata)
                VALUES ('old', 'default', 'a', 'reviewer', 'n', '2024-01-01T00:00:00.0000000+00:00', '2024-01-01T00:00:00.0000000+00:00',
                    638396640000000000, 0, 1, '{"{}"}');
                INSERT INTO profiles (id, json) VALUES ('reviewer', '{Json(profile).Replace("'", "''", StringComparison.Ordinal)}');
                """);
        }

        var store = await OpenAsync(database, CancellationToken);

        Assert.Null((await store.GetSessionAsync("old", CancellationToken))!.AgentProfileVersion);
        var migrated = await store.GetProfileVersionAsync("reviewer", null, CancellationToken);
        Assert.Equal((1, Json(profile)), (migrated!.Version, Json(migrated.Profile)));
        Assert.Equal([1], (await store.ListProfileVersionsAsync("reviewer", CancellationToken)).Select(v => v.Version));
        Assert.Equal(1, await store.SaveProfileAsync(profile, CancellationToken));
        Assert.Equal(2, await store.SaveProfileAsync(profile with { SystemPrompt = "New." }, CancellationToken));
        Assert.Equal(Json(profile), Json((await store.GetProfileVersionAsync("reviewer", 1, CancellationToken))!.Profile));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_SchemaTwoWithSessions_PutsThemInDefaultTenantAndAddsApiKeys()
    {
        // A database as schema 2 left it: sessions without a tenant, no api_keys table.
        var database = NewDatabaseName();
        await CreateDatabaseAsync(database, CancellationToken);
        await using (var connection = await ConnectAsync(database))
        {
            await ExecuteAsync(connection, PostgresSchema.CreateVersionTable + PostgresSchema.Migrations[0] + PostgresSchema.Migrations[1] + """
                INSERT INTO schema_version (version) VALUES (2);
                INSERT INTO sessions (session_id, architecture, agent_profile_ref, name, created_at, last_activity,
                    last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata)
                VALUES ('old', 'a', 'p', 'n', '2024-01-01T00:00:00.0000000+00:00', '2024-01-01T00:00:00.0000000+00:00',
                    638396640000000000, 1, 2, '{}');
                """);
        }

        var store = await OpenAsync(database, CancellationToken);

        var old = await store.GetSessionAsync("old", CancellationToken);
        Assert.Equal(Tenants.Default, old!.TenantId);
        Assert.Equal(("n", 1, 2), (old.Name, old.SandboxRestartCount, old.SandboxStartCount));
        Assert.Equal("old", Assert.Single(await store.ListSessionsAsync(Tenants.Default, CancellationToken)).SessionId);
        Assert.Equal(1, await store.CountSessionsAsync(Tenants.Default, CancellationToken));
        Assert.Equal(1, Assert.Single(await store.AppendEventsAsync("old", 0, [Turn(1)], CancellationToken)).Seq);
        var key = ApiKey("0123456789abcdef", Tenants.Default);
        await store.CreateApiKeyAsync(key, CancellationToken);
        Assert.Equal(Text(key), Text(Assert.Single(await store.ListApiKeysAsync(Tenants.Default, CancellationToken))));
        await using var check = await ConnectAsync(database);
        Assert.Equal(PostgresSchema.Migrations.Count, await ScalarAsync<int>(check, "SELECT version FROM schema_version;"));
        Assert.Equal("api_keys_by_tenant,sessions_by_tenant_last_activity", await ScalarAsync<string>(check,
            "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE indexname IN ('api_keys_by_tenant', 'sessions_by_tenant_last_activity');"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_SeveralInstancesAtOnceOnEmptyDatabase_AllSucceedAndMigrateOnce()
    {
        var database = NewDatabaseName();
        await CreateDatabaseAsync(database, CancellationToken);
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore(database)).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(CancellationToken), CancellationToken)));

        await using var connection = await ConnectAsync(database);
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
        var session = NewSession();
        await stores[0].CreateSessionAsync(session, CancellationToken);
        Assert.Equal(Json(session), Json(await stores[3].GetSessionAsync(session.SessionId, CancellationToken)));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_DatabaseFromNewerBuild_ThrowsInvalidOperation()
    {
        await using (var connection = await ConnectAsync())
        {
            await ExecuteAsync(connection, "UPDATE schema_version SET version = 99;");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.InitializeAsync(CancellationToken));

        Assert.Contains("99", error.Message);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_SeveralStoreInstancesRacing_OneWinsEachSeqAndTheLogStaysGapFreeWithEachBatchTogether()
    {
        // Each instance has its own pool, as separate server processes sharing the database would; every writer appends
        // from the last seq it read, and reads again when another got there first.
        const int Instances = 4;
        const int TasksPerInstance = 2;
        const int BatchesPerTask = 10;
        var session = await CreateSessionAsync();
        var stores = new List<IAgentStore> { Store };
        for (var i = 1; i < Instances; i++)
        {
            stores.Add(await OpenAsync(_database, CancellationToken));
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = stores
            .SelectMany((store, s) => Enumerable.Range(0, TasksPerInstance).Select(t => Task.Run(async () =>
            {
                await start.Task.WaitAsync(CancellationToken);
                var batches = new List<IReadOnlyList<SessionEvent>>();
                for (var b = 0; b < BatchesPerTask; b++)
                {
                    SessionEvent[] batch = [.. Enumerable.Range(0, 1 + (b % 3)).Select(k => new TurnCompletedEvent { TurnId = $"{s}.{t}.{b}.{k}", Timestamp = Epoch })];
                    batches.Add((await store.AppendRetryingAsync(session.SessionId, batch, CancellationToken)).Appended);
                }

                return batches;
            }, CancellationToken)))
            .ToArray();
        start.SetResult();
        var batches = (await Task.WhenAll(writers)).SelectMany(b => b).ToList();

        var returned = batches.SelectMany(b => b).OrderBy(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, returned.Count).Select(i => (long)i), returned.Select(e => e.Seq));
        Assert.All(batches, b => Assert.Equal(Enumerable.Range((int)b[0].Seq, b.Count).Select(i => (long)i), b.Select(e => e.Seq)));
        var stored = await stores[^1].ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(returned.Select(Json), stored.Select(Json));
        Assert.Equal(returned.Count, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_CancelledWhileAnotherTransactionHoldsTheLog_ThrowsAndLeavesNoGap()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);
        await using var connection = await ConnectAsync();

        await using (var transaction = await connection.BeginTransactionAsync(CancellationToken))
        {
            await ExecuteAsync(connection, "SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE;", session.SessionId);
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
            cancellation.CancelAfter(TimeSpan.FromMilliseconds(300));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => Store.AppendEventsAsync(session.SessionId, 1, [Turn(2)], cancellation.Token));
        }

        Assert.Equal(2, Assert.Single(await Store.AppendEventsAsync(session.SessionId, 1, [Turn(3)], CancellationToken)).Seq);
        Assert.Equal(
            ["turn-1", "turn-3"],
            (await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Cast<TurnStartedEvent>().Select(e => e.TurnId));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_AnotherTransactionAppendsFromTheSameSeqWhileThisWaitsForTheRow_RefusedOnceItCommits()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);
        await using var connection = await ConnectAsync();
        await using var waits = await ConnectAsync();

        Task<IReadOnlyList<SessionEvent>> append;
        await using (var transaction = await connection.BeginTransactionAsync(CancellationToken))
        {
            // Another writer, also expecting seq 1, holds the session's row: the store's append waits for it.
            await ExecuteAsync(connection, "SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE;", session.SessionId);
            append = Store.AppendEventsAsync(session.SessionId, 1, [Turn(3)], CancellationToken);
            while (await ScalarAsync<long>(waits, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database();") == 0)
            {
                Assert.False(append.IsCompleted, "The append did not wait for the row.");
                await Task.Delay(20, CancellationToken);
            }

            await ExecuteAsync(connection, "UPDATE sessions SET last_seq = 2 WHERE session_id = $1;", session.SessionId);
            await ExecuteAsync(connection, "INSERT INTO events (session_id, seq, type, occurred_at, payload) VALUES ($1, 2, 'session:turn:started', now(), $2);",
                session.SessionId, Json(Turn(2) with { Seq = 0, SessionId = "" }));
            await transaction.CommitAsync(CancellationToken);
        }

        // Checked again on the row as the other writer left it, not on the one read before waiting.
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => append);
        Assert.Equal((1L, 2L), (conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal([1L, 2L], log.Select(e => e.Seq));
        Assert.Equal(["turn-1", "turn-2"], log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_EveryEventType_StoresWireTypeTimestampAndExactPayload()
    {
        var session = await CreateSessionAsync();

        var appended = await Store.AppendEventsAsync(session.SessionId, 0, OneOfEachEventType(), CancellationToken);

        await using var connection = await ConnectAsync();
        await using var command = new NpgsqlCommand("SELECT type, occurred_at, payload FROM events ORDER BY seq;", connection);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        var rows = new List<(string Type, DateTime OccurredAt, string Payload)>();
        while (await reader.ReadAsync(CancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetDateTime(1), reader.GetString(2)));
        }

        // A text column keeps the serializer's output byte for byte (jsonb would reorder keys); seq and session are columns.
        Assert.Equal(appended.Select(e => Json(e with { Seq = 0, SessionId = "" })), rows.Select(r => r.Payload));
        Assert.Equal(appended.Select(e => JsonDocument.Parse(Json(e)).RootElement.GetProperty("type").GetString()), rows.Select(r => r.Type));
        Assert.All(rows, r => Assert.Equal(Epoch.AddTicks(1).UtcDateTime, r.OccurredAt, TimeSpan.FromMicroseconds(1)));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendTranscript_SeveralAppends_StoresOneChunkEachWithoutRewriting()
    {
        var session = await CreateSessionAsync();
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "a"u8.ToArray(), CancellationToken);
        await using var connection = await ConnectAsync();
        // xmin and ctid name the row version: rewriting the chunk would make a new one.
        const string FirstChunkVersion = "SELECT xmin::text || ctid::text FROM transcript_chunks WHERE chunk_index = 0;";
        const string Chunks = "SELECT string_agg(chunk_index || ':' || convert_from(content, 'UTF8'), ',' ORDER BY chunk_index) FROM transcript_chunks;";
        var firstVersion = await ScalarAsync<string>(connection, FirstChunkVersion);

        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "b"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "c"u8.ToArray(), CancellationToken);

        Assert.Equal("0:a,1:b,2:c", await ScalarAsync<string>(connection, Chunks));
        Assert.Equal(firstVersion, await ScalarAsync<string>(connection, FirstChunkVersion));
        Assert.Equal(3, await ScalarAsync<int>(connection, "SELECT chunk_count FROM transcript_files;"));

        await Store.ReplaceTranscriptAsync(session.SessionId, "main.jsonl", "z"u8.ToArray(), CancellationToken);

        Assert.Equal("0:z", await ScalarAsync<string>(connection, Chunks));
        Assert.Equal(1, await ScalarAsync<int>(connection, "SELECT chunk_count FROM transcript_files;"));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteSession_WithRowsInEveryTable_CascadesToAllOfThem()
    {
        var session = await CreateSessionAsync();
        var other = await CreateSessionAsync();
        foreach (var s in new[] { session, other })
        {
            await Store.AppendEventsAsync(s.SessionId, 0, [Turn(1)], CancellationToken);
            await Store.AppendTranscriptAsync(s.SessionId, "t.jsonl", new byte[] { 1 }, CancellationToken);
            await Store.AppendTranscriptAsync(s.SessionId, "t.jsonl", new byte[] { 2 }, CancellationToken);
            await Store.SaveWorkspaceFileAsync(s.SessionId, FileInfo("a.txt", [7], Epoch), new byte[] { 7 }, CancellationToken);
        }

        Assert.True(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));

        await using var connection = await ConnectAsync();
        foreach (var (table, rowsOfOther) in new[] { ("sessions", 1L), ("events", 1L), ("transcript_files", 1L), ("transcript_chunks", 2L), ("workspace_files", 1L) })
        {
            Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE session_id = $1;", session.SessionId));
            Assert.Equal(rowsOfOther, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE session_id = $1;", other.SessionId));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task DisposeAsync_AfterUse_ClosesItsConnections()
    {
        const string ApplicationName = "dispose-test";
        var store = NewStore(_database, ApplicationName);
        await store.CreateSessionAsync(NewSession(), CancellationToken);
        await using var connection = await ConnectAsync();
        const string Count = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1;";
        Assert.True(await ScalarAsync<long>(connection, Count, ApplicationName) > 0);

        await store.DisposeAsync();

        // A backend leaves pg_stat_activity as it exits, a moment after the client closes the socket.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await ScalarAsync<long>(connection, Count, ApplicationName) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, CancellationToken);
        }

        Assert.Equal(0L, await ScalarAsync<long>(connection, Count, ApplicationName));
    }

    [Theory]
    [InlineData("Database=agent_runtime")]
    [InlineData("Host=")]
    public void Constructor_ConnectionStringWithoutHost_ThrowsArgumentException(string connectionString)
    {
        Assert.ThrowsAny<ArgumentException>(() => new PostgresAgentStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString })));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessionSummaries_APage_ReadsItsIndexInOrderWithoutSortingOrScanning()
    {
        // Enough sessions, and fresh statistics, that the planner weighs a page against the table as it would in use; in
        // random order, as updates leave a table in use, rather than one the ticks' order could walk sequentially.
        await using var connection = await ConnectAsync();
        await ExecuteAsync(connection, """
            INSERT INTO sessions (session_id, architecture, agent_profile_ref, name, created_at, last_activity,
                last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata, tenant_id)
            SELECT lpad(i::text, 8, '0'), 'a', 'p', NULL, 't', 't', 638000000000000000 + (i / 3)::bigint * 600000000, 0, 0, '{}', 'tenant-' || (i % 10)
            FROM generate_series(1, 20000) AS i ORDER BY random();
            ANALYZE sessions;
            """);

        foreach (var (byTenant, after) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var parameters = new List<object>();
            if (byTenant)
            {
                parameters.Add("tenant-3");
            }

            if (after)
            {
                parameters.AddRange([638000000000000000 + 3000 * 600000000L, "00009000"]);
            }

            parameters.Add(50L);
            var plan = await PlanAsync(connection, "EXPLAIN " + PostgresAgentStore.SessionPageSql(byTenant, after, PostgresAgentStore.SummaryColumns), parameters);

            var index = byTenant ? "sessions_by_tenant_last_activity" : "sessions_by_last_activity";
            Assert.True(plan.Contains($"Index Scan using {index} on sessions", StringComparison.Ordinal), plan);
            Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            if (after)
            {
                // A search from the position, not a walk over the pages before it and a filter.
                Assert.Contains("Index Cond:", plan, StringComparison.Ordinal);
                Assert.Contains("last_activity_utc_ticks <=", plan, StringComparison.Ordinal);
            }
        }
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection, string sql, List<object> parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        while (await reader.ReadAsync(CancellationToken))
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    private static string NewDatabaseName() => "store_" + Guid.NewGuid().ToString("N");

    [Fact(Timeout = Timeout)]
    public async Task CheckWritable_DatabaseMadeReadOnly_Throws()
    {
        await using (var admin = await ConnectAsync())
        {
            await ExecuteAsync(admin, $"ALTER DATABASE \"{_database}\" SET default_transaction_read_only = on;");
        }

        // New connections take the database's setting, as a replica's or a locked-down database's would refuse writes.
        await DisposeStoresAsync();
        var store = NewStore(_database);

        var error = await Assert.ThrowsAsync<PostgresException>(() => store.CheckWritableAsync(CancellationToken));
        Assert.Contains("read-only transaction", error.MessageText, StringComparison.Ordinal);
    }

    private async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        // Recorded first, so a database is dropped even when the test fails right after making it.
        _databases.Add(database);
        await fixture.Server.CreateDatabaseAsync(database, cancellationToken);
    }

    private PostgresAgentStore NewStore(string database, string? applicationName = null)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(fixture.Server.GetConnectionString(database)) { ApplicationName = applicationName };
        var store = new PostgresAgentStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString.ConnectionString }));
        _stores.Add(store);
        return store;
    }

    private async Task<IAgentStore> OpenAsync(string database, CancellationToken cancellationToken)
    {
        var store = NewStore(database);
        await store.InitializeAsync(cancellationToken);
        return store;
    }

    private async Task DisposeStoresAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _stores.Clear();
    }

    protected override async Task<long?> CountWorkspaceChunksAsync(string sessionId)
    {
        await using var connection = await ConnectAsync();
        return await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM workspace_file_chunks WHERE session_id = $1;", sessionId);
    }

    // Pooling off so the test's own connection is closed, not parked, when the test ends.
    private async Task<NpgsqlConnection> ConnectAsync(string? database = null)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Server.GetConnectionString(database ?? _database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync(CancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync(CancellationToken))!;
    }
}
