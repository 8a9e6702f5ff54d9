using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence.Sqlite;
using AgentRuntime.Persistence.Tests.Conformance;
using AgentRuntime.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Sqlite;

/// <summary>The conformance suite against <see cref="SqliteAgentStore"/> on a real database file, plus what is particular to SQLite.</summary>
public sealed class SqliteAgentStoreTests : DurableAgentStoreConformanceTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agent-runtime-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteAgentStore> _stores = [];

    // A directory that does not exist yet: the store must create it.
    private string DatabasePath => Path.Combine(_directory, "nested", "store.db");

    protected override Task<IAgentStore> CreateStoreAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    protected override Task<IAgentStore> ReopenStoreAsync(CancellationToken cancellationToken)
    {
        // Dropping the pooled connections closes the file, so the new instance reads what reached the disk.
        DisposeStores();
        return OpenAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        DisposeStores();
        Directory.Delete(_directory, recursive: true);
        await base.DisposeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_MissingDirectory_CreatesWalDatabaseAtLatestSchemaVersion()
    {
        Assert.True(File.Exists(DatabasePath));
        await using var connection = await ConnectAsync();

        Assert.Equal("wal", await ScalarAsync<string>(connection, "PRAGMA journal_mode;"));
        Assert.Equal(SqliteSchema.Migrations.Count, await ScalarAsync<long>(connection, "SELECT version FROM schema_version;"));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteSession_WithLargeFiles_GivesTheSpaceBack()
    {
        var session = await CreateSessionAsync();
        for (var i = 0; i < 8; i++)
        {
            var content = RandomBytes(1 << 20, seed: i);
            await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo($"big-{i}.bin", content, Epoch), content, CancellationToken);
        }

        var keep = await CreateSessionAsync();
        var full = DatabaseBytes();

        Assert.True(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));

        var after = DatabaseBytes();
        Assert.True(full > 8 << 20, $"the files are in the database ({full:N0} bytes)");
        Assert.True(after < 1 << 20, $"the database gave the space back: {full:N0} bytes before, {after:N0} after");
        Assert.NotNull(await Store.GetSessionAsync(keep.SessionId, CancellationToken));
        await using var connection = await ConnectAsync();
        Assert.Equal(2L, await ScalarAsync<long>(connection, "PRAGMA auto_vacuum;")); // incremental
    }

    protected override async Task<long?> CountWorkspaceChunksAsync(string sessionId)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM workspace_file_chunks WHERE session_id = $id;";
        command.Parameters.AddWithValue("$id", sessionId);
        return (long)(await command.ExecuteScalarAsync(CancellationToken))!;
    }

    private long DatabaseBytes() =>
        new FileInfo(DatabasePath).Length + (File.Exists(DatabasePath + "-wal") ? new FileInfo(DatabasePath + "-wal").Length : 0);

    [Fact(Timeout = Timeout)]
    public async Task Initialize_CalledAgain_KeepsDataAndSingleVersionRow()
    {
        var session = await CreateSessionAsync();

        await Store.InitializeAsync(CancellationToken);

        Assert.NotNull(await Store.GetSessionAsync(session.SessionId, CancellationToken));
        await using var connection = await ConnectAsync();
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_DatabaseFromNewerBuild_ThrowsInvalidOperation()
    {
        await using (var connection = await ConnectAsync())
        {
            await ScalarAsync<long>(connection, "UPDATE schema_version SET version = 99; SELECT changes();");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.InitializeAsync(CancellationToken));

        Assert.Contains("99", error.Message);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendTranscript_SeveralAppends_StoresOneChunkEachWithoutRewriting()
    {
        var session = await CreateSessionAsync();
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "a"u8.ToArray(), CancellationToken);
        await using var connection = await ConnectAsync();
        var firstChunk = await ScalarAsync<long>(connection, "SELECT rowid FROM transcript_chunks WHERE chunk_index = 0;");

        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "b"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "c"u8.ToArray(), CancellationToken);

        Assert.Equal("0:a,1:b,2:c", await ScalarAsync<string>(connection,
            "SELECT group_concat(chunk_index || ':' || CAST(content AS TEXT), ',') FROM (SELECT * FROM transcript_chunks ORDER BY chunk_index);"));
        Assert.Equal(firstChunk, await ScalarAsync<long>(connection, "SELECT rowid FROM transcript_chunks WHERE chunk_index = 0;"));

        await Store.ReplaceTranscriptAsync(session.SessionId, "main.jsonl", "z"u8.ToArray(), CancellationToken);

        Assert.Equal("0:z", await ScalarAsync<string>(connection,
            "SELECT group_concat(chunk_index || ':' || CAST(content AS TEXT), ',') FROM transcript_chunks;"));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_EveryEventType_StoresWireTypeAndTimestampColumns()
    {
        var session = await CreateSessionAsync();

        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), new ErrorEvent { Message = "m", Timestamp = Epoch }], CancellationToken);

        await using var connection = await ConnectAsync();
        Assert.Equal("1:session:turn:started,2:error", await ScalarAsync<string>(connection,
            "SELECT group_concat(seq || ':' || type, ',') FROM (SELECT * FROM events ORDER BY seq);"));
        Assert.Equal(Epoch.ToString("O"), await ScalarAsync<string>(connection, "SELECT timestamp FROM events WHERE seq = 2;"));
    }

    [Fact]
    public void Constructor_NoPathConfigured_UsesDatabaseInDataDirectory()
    {
        var store = new SqliteAgentStore(
            Options.Create(new SqliteStoreOptions()),
            Options.Create(new AgentRuntimeOptions { DataDirectory = _directory }));

        Assert.Equal(Path.Combine(_directory, SqliteStoreOptions.DefaultFileName), store.DatabasePath);
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_SchemaOneWithFileContent_MovesItIntoChunksByteExact()
    {
        // A database as schema 1 left it: the content in workspace_files.content, one BLOB per file.
        DisposeStores();
        File.Delete(DatabasePath);
        var big = RandomBytes((2 * (1 << 20)) + 17, seed: 11);
        await using (var connection = await ConnectAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = SqliteSchema.CreateVersionTable + SqliteSchema.Migrations[0] + """
                INSERT INTO schema_version (version) VALUES (1);
                INSERT INTO sessions VALUES ('s', 'a', 'p', NULL, '2024-01-01T00:00:00.0000000+00:00', '2024-01-01T00:00:00.0000000+00:00', 0, 0, 0, '{}');
                INSERT INTO workspace_files VALUES ('s', 'big.bin', $size, 'h', '2024-01-01T00:00:00.0000000+00:00', $big);
                INSERT INTO workspace_files VALUES ('s', 'empty.txt', 0, 'h', '2024-01-01T00:00:00.0000000+00:00', X'');
                """;
            command.Parameters.AddWithValue("$size", big.Length);
            command.Parameters.AddWithValue("$big", big);
            await command.ExecuteNonQueryAsync(CancellationToken);
        }

        var store = await OpenAsync(CancellationToken);

        Assert.Equal(big, await store.ReadWorkspaceFileAsync("s", "big.bin", CancellationToken));
        Assert.Equal(Array.Empty<byte>(), await store.ReadWorkspaceFileAsync("s", "empty.txt", CancellationToken));
        Assert.Equal(3L, await CountWorkspaceChunksAsync("s"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Initialize_SchemaThreeWithProfileAndSession_MakesTheProfileVersionOneAndTheSessionFollowTheLatest()
    {
        // A database as schema 3 left it: one JSON per profile, sessions without a profile version.
        DisposeStores();
        File.Delete(DatabasePath);
        var profile = Profile("reviewer", "Reviewer");
        await using (var connection = await ConnectAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = SqliteSchema.CreateVersionTable + SqliteSchema.Migrations[0] + SqliteSchema.Migrations[1] + SqliteSchema.Migrations[2] + """
                INSERT INTO schema_version (version) VALUES (3);
                INSERT INTO sessions (session_id, tenant_id, architecture, agent_profile_ref, name, created_at, last_activity,
                    last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata)
                VALUES ('old', 'default', 'a', 'reviewer', 'n', '2024-01-01T00:00:00.0000000+00:00', '2024-01-01T00:00:00.0000000+00:00',
                    638396640000000000, 0, 1, '{}');
                INSERT INTO profiles (id, json) VALUES ('reviewer', $json);
                """;
            command.Parameters.AddWithValue("$json", Json(profile));
            await command.ExecuteNonQueryAsync(CancellationToken);
        }

        var store = await OpenAsync(CancellationToken);

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
        DisposeStores();
        File.Delete(DatabasePath);
        await using (var connection = await ConnectAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = SqliteSchema.CreateVersionTable + SqliteSchema.Migrations[0] + SqliteSchema.Migrations[1] + """
                INSERT INTO schema_version (version) VALUES (2);
                INSERT INTO sessions (session_id, architecture, agent_profile_ref, name, created_at, last_activity,
                    last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata)
                VALUES ('old', 'a', 'p', 'n', '2024-01-01T00:00:00.0000000+00:00', '2024-01-01T00:00:00.0000000+00:00',
                    638396640000000000, 1, 2, '{}');
                INSERT INTO events (session_id, seq, type, timestamp, payload)
                VALUES ('old', 1, 'error', '2024-01-01T00:00:00.0000000+00:00', '{"type":"error","message":"m","seq":1,"sessionId":"old","timestamp":"2024-01-01T00:00:00+00:00"}');
                """;
            await command.ExecuteNonQueryAsync(CancellationToken);
        }

        var store = await OpenAsync(CancellationToken);

        var old = await store.GetSessionAsync("old", CancellationToken);
        Assert.Equal(Tenants.Default, old!.TenantId);
        Assert.Equal(("n", 1, 2), (old.Name, old.SandboxRestartCount, old.SandboxStartCount));
        Assert.Equal("old", Assert.Single(await store.ListSessionsAsync(Tenants.Default, CancellationToken)).SessionId);
        Assert.Equal(1, await store.CountSessionsAsync(Tenants.Default, CancellationToken));
        Assert.Equal("m", Assert.IsType<ErrorEvent>(Assert.Single(await store.ReadEventsAsync("old", 0, CancellationToken).ToListAsync(CancellationToken))).Message);
        var key = ApiKey("0123456789abcdef", Tenants.Default);
        await store.CreateApiKeyAsync(key, CancellationToken);
        Assert.Equal(Text(key), Text(Assert.Single(await store.ListApiKeysAsync(Tenants.Default, CancellationToken))));
        await using var check = await ConnectAsync();
        Assert.Equal(SqliteSchema.Migrations.Count, await ScalarAsync<long>(check, "SELECT version FROM schema_version;"));
        Assert.Equal("api_keys_by_tenant,sessions_by_tenant_last_activity", await ScalarAsync<string>(check,
            "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE name IN ('api_keys_by_tenant', 'sessions_by_tenant_last_activity') ORDER BY name);"));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false, false, "SCAN sessions USING INDEX sessions_by_last_activity")]
    [InlineData(false, true, "SEARCH sessions USING INDEX sessions_by_last_activity (last_activity_utc_ticks<?)")]
    [InlineData(true, false, "SEARCH sessions USING INDEX sessions_by_tenant_last_activity (tenant_id=?)")]
    [InlineData(true, true, "SEARCH sessions USING INDEX sessions_by_tenant_last_activity (tenant_id=? AND last_activity_utc_ticks<?)")]
    public async Task ListSessionSummaries_EveryCase_ReadsItsIndexInOrderWithoutSorting(bool byTenant, bool after, string plan)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteAgentStore.SessionPageSql(byTenant, after, SqliteAgentStore.SummaryColumns);
        command.Parameters.AddWithValue("$limit", 50);
        command.Parameters.AddWithValue("$tenant", "acme");
        command.Parameters.AddWithValue("$ticks", Epoch.UtcTicks);
        command.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
        var steps = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(CancellationToken))
        {
            while (await reader.ReadAsync(CancellationToken))
            {
                steps.Add(reader.GetString(3));
            }
        }

        // One step: the index, read from the position on; no "USE TEMP B-TREE FOR ORDER BY".
        Assert.Equal([plan], steps);
    }

    [Fact]
    public void Constructor_RelativePath_ResolvedAgainstWorkingDirectory()
    {
        var store = new SqliteAgentStore(
            Options.Create(new SqliteStoreOptions { Path = "rel/x.db" }),
            Options.Create(new AgentRuntimeOptions { DataDirectory = _directory }));

        Assert.Equal(Path.GetFullPath("rel/x.db"), store.DatabasePath);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_AnotherStoreOnTheFileAppendedMeanwhile_RefusesTheStaleWriterAndNumbersAfterIt()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2)], CancellationToken);
        var other = await OpenAsync(CancellationToken);
        await other.AppendEventsAsync(session.SessionId, 2, [Turn(3)], CancellationToken);

        // This store numbered the log last at 2, as its writer expects; the file is at 3.
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventsAsync(session.SessionId, 2, [Turn(9)], CancellationToken));
        var appended = await Store.AppendEventsAsync(session.SessionId, 3, [Turn(4), Turn(5)], CancellationToken);

        Assert.Equal((2L, 3L), (conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal([4L, 5L], appended.Select(e => e.Seq));
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(["turn-1", "turn-2", "turn-3", "turn-4", "turn-5"], log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_AnotherStoreDeletedAndRemadeTheSession_RefusesTheOldLogsWriterAndNumbersFromTheNewLog()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2), Turn(3)], CancellationToken);
        var other = await OpenAsync(CancellationToken);
        await other.DeleteSessionAsync(session.SessionId, CancellationToken);
        await other.CreateSessionAsync(session, CancellationToken);
        await other.AppendEventsAsync(session.SessionId, 0, [Turn(10)], CancellationToken);

        // This store numbered the log last at 3, as the old log's writer expects; the new log is at 1.
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(
            () => Store.AppendEventBatchesAsync([new EventBatch(session.SessionId, 3, [Turn(4)])], CancellationToken));
        var appended = await Store.AppendEventBatchesAsync([new EventBatch(session.SessionId, 1, [Turn(11)])], CancellationToken);

        Assert.Equal((3L, 1L), (conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal(2, Assert.Single(appended[0]).Seq);
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal([1L, 2L], log.Select(e => e.Seq));
        Assert.Equal(["turn-10", "turn-11"], log.Cast<TurnStartedEvent>().Select(e => e.TurnId));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEventBatches_AnotherStoreDeletedOneSession_FailsWholeAndTheOtherLogNumbersOn()
    {
        var kept = await CreateSessionAsync();
        var deleted = await CreateSessionAsync();
        await Store.AppendEventBatchesAsync([new EventBatch(kept.SessionId, 0, [Turn(1)]), new EventBatch(deleted.SessionId, 0, [Turn(2)])], CancellationToken);
        var other = await OpenAsync(CancellationToken);
        await other.DeleteSessionAsync(deleted.SessionId, CancellationToken);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AppendEventBatchesAsync(
            [new EventBatch(kept.SessionId, 1, [Turn(3)]), new EventBatch(deleted.SessionId, 1, [Turn(4)])], CancellationToken));

        Assert.Equal(1, await Store.GetLastSeqAsync(kept.SessionId, CancellationToken));
        Assert.Equal(2, Assert.Single(await Store.AppendEventsAsync(kept.SessionId, 1, [Turn(5)], CancellationToken)).Seq);
        Assert.Equal(0, await Store.GetLastSeqAsync(deleted.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_ARowAlreadyHoldsTheNextSeq_IsRefusedNotOverwritten()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);
        await using (var connection = await ConnectAsync())
        {
            // A row written behind the store's back, as a second writer of another make would.
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO events (session_id, seq, type, timestamp, payload) SELECT session_id, 2, type, timestamp, json_set(payload, '$.seq', 2) FROM events WHERE session_id = $id;";
            command.Parameters.AddWithValue("$id", session.SessionId);
            await command.ExecuteNonQueryAsync(CancellationToken);
        }

        // The store numbered the log last at 1, as its writer expects; the row at 2 makes that stale.
        var conflict = await Assert.ThrowsAsync<EventLogConflictException>(() => Store.AppendEventsAsync(session.SessionId, 1, [Turn(9)], CancellationToken));
        var appended = await Store.AppendEventsAsync(session.SessionId, 2, [Turn(3)], CancellationToken);

        Assert.Equal((1L, 2L), (conflict.ExpectedLastSeq, conflict.ActualLastSeq));
        Assert.Equal(3, Assert.Single(appended).Seq);
        var log = await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal([1L, 2L, 3L], log.Select(e => e.Seq));
        Assert.Equal("turn-3", ((TurnStartedEvent)log[2]).TurnId);
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendEvents_Payload_IsTheEventsJsonAsText()
    {
        var session = await CreateSessionAsync();
        var appended = await Store.AppendEventsAsync(session.SessionId, 0, [new ErrorEvent { Message = "é 🚀 \"q\" <x>", Code = "c", Timestamp = Epoch }], CancellationToken);

        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT typeof(payload), payload FROM events WHERE session_id = $id;";
        command.Parameters.AddWithValue("$id", session.SessionId);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        Assert.True(await reader.ReadAsync(CancellationToken));
        Assert.Equal("text", reader.GetString(0));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(appended[0], AgentRuntime.Serialization.AgentRuntimeJsonContext.Default.SessionEvent), reader.GetString(1));
    }

    private async Task<IAgentStore> OpenAsync(CancellationToken cancellationToken)
    {
        var store = new SqliteAgentStore(
            Options.Create(new SqliteStoreOptions { Path = DatabasePath }),
            Options.Create(new AgentRuntimeOptions { DataDirectory = Path.Combine(_directory, "unused") }));
        _stores.Add(store);
        await store.InitializeAsync(cancellationToken);
        return store;
    }

    private void DisposeStores()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _stores.Clear();
    }

    // Pooling off so the test's own connection does not keep the file open after the test.
    private async Task<SqliteConnection> ConnectAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(CancellationToken);
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync(CancellationToken))!;
    }
}
