using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentRuntime.Hosting;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

/// <summary>
/// The store in one SQLite file. Every operation opens its own connection (the pool makes that cheap) so the store
/// is safe for concurrent use without locks of its own; every write runs in a <c>BEGIN IMMEDIATE</c> transaction,
/// which takes the database's write lock up front, so read-then-write sequences such as numbering events cannot race.
/// </summary>
/// <remarks>
/// The events, transcript, workspace-file and API key operations are in the other parts of this class. Unlike the rest
/// of the runtime this class does not use <c>ConfigureAwait(false)</c>: Microsoft.Data.Sqlite runs its async methods
/// synchronously, so these awaits complete inline and never resume on a captured context.
/// </remarks>
internal sealed partial class SqliteAgentStore : IAgentStore, IDisposable
{
    // How long a writer waits for another writer (this process or another) before failing with SQLITE_BUSY.
    // Set as PRAGMA busy_timeout as well as Default Timeout: SQLite's own busy handler retries in short steps, and
    // without it Microsoft.Data.Sqlite's coarser retry made the 8-writer append test about 2.5 times slower.
    private const int BusyTimeoutMilliseconds = 30_000;

    // The columns ReadRecord reads, in its order.
    private const string RecordColumns =
        "session_id, architecture, agent_profile_ref, name, created_at, last_activity, sandbox_restart_count, sandbox_start_count, metadata, tenant_id, agent_profile_version, sandbox_id";

    // The columns of a SessionSummary: the list reads neither the sandbox counts nor the metadata.
    internal const string SummaryColumns = "session_id, architecture, agent_profile_ref, name, created_at, last_activity, tenant_id, agent_profile_version";

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteAgentStore(IOptions<SqliteStoreOptions> options, IOptions<AgentRuntimeOptions> runtimeOptions, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var path = options.Value.Path ?? Path.Combine(runtimeOptions.Value.GetFullDataDirectory(), SqliteStoreOptions.DefaultFileName);
        DatabasePath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The database file, as an absolute path.</summary>
    public string DatabasePath { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await using var connection = await OpenAsync(cancellationToken);

        // Deleted sessions give their pages back to the file system (incremental_vacuum after each delete). The mode is
        // stored in the file; a database made without it needs one VACUUM to take it, which is cheap while it is new.
        if (await ScalarAsync(connection, "PRAGMA auto_vacuum;", cancellationToken) is not 2L)
        {
            await ExecuteAsync(connection, null, "PRAGMA auto_vacuum = INCREMENTAL;", cancellationToken);
            await ExecuteAsync(connection, null, "VACUUM;", cancellationToken);
        }

        // WAL lets readers run alongside the writer; the mode is stored in the file, so setting it once is enough.
        // It cannot change inside a transaction, hence before the migration transaction.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);

        await using var transaction = connection.BeginTransaction(deferred: false);
        await ExecuteAsync(connection, transaction, SqliteSchema.CreateVersionTable, cancellationToken);
        await using var select = CreateCommand(connection, transaction, "SELECT MAX(version) FROM schema_version;");
        var version = await select.ExecuteScalarAsync(cancellationToken) is long v ? (int)v : 0;
        if (version > SqliteSchema.Migrations.Count)
        {
            throw new InvalidOperationException(
                $"The database '{DatabasePath}' has schema version {version}, newer than the {SqliteSchema.Migrations.Count} this build knows.");
        }

        for (var i = version; i < SqliteSchema.Migrations.Count; i++)
        {
            await ExecuteAsync(connection, transaction, SqliteSchema.Migrations[i], cancellationToken);
        }

        if (version < SqliteSchema.Migrations.Count)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM schema_version;", cancellationToken);
            await using var insert = CreateCommand(connection, transaction, "INSERT INTO schema_version (version) VALUES ($version);");
            insert.Parameters.AddWithValue("$version", SqliteSchema.Migrations.Count);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE alone succeeds on a read-only file; a row actually written (and rolled back) does not.
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "UPDATE schema_version SET version = version WHERE version = (SELECT MAX(version) FROM schema_version);", cancellationToken);
        await transaction.RollbackAsync(cancellationToken);
    }

    public async Task CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, """
            INSERT INTO sessions (session_id, tenant_id, architecture, agent_profile_ref, agent_profile_version, name, created_at,
                last_activity, last_activity_utc_ticks, sandbox_restart_count, sandbox_start_count, metadata, sandbox_id)
            VALUES ($id, $tenant, $architecture, $profile, $profileVersion, $name, $created, $activity, $activityTicks, $restarts, $starts, $metadata, $sandboxId)
            ON CONFLICT (session_id) DO NOTHING;
            """);
        AddRecordParameters(command, session);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"Session '{session.SessionId}' already exists.");
        }
    }

    public async Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, $"SELECT {RecordColumns} FROM sessions WHERE session_id = $id;");
        command.Parameters.AddWithValue("$id", sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    public async Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // Two statements rather than "$tenant IS NULL OR tenant_id = $tenant", for which SQLite scans every session
        // instead of searching the tenant's index.
        await using var command = CreateCommand(connection, null, tenantId is null
            ? $"SELECT {RecordColumns} FROM sessions ORDER BY last_activity_utc_ticks DESC, session_id;"
            : $"SELECT {RecordColumns} FROM sessions WHERE tenant_id = $tenant ORDER BY last_activity_utc_ticks DESC, session_id;");
        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("$tenant", tenantId);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<SessionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }

        return records;
    }

    public async Task<IReadOnlyList<SessionSummary>> ListSessionSummariesAsync(string? tenantId, SessionListPosition? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is { } l)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(l, nameof(limit));
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, SessionPageSql(tenantId is not null, after is not null, SummaryColumns));
        command.Parameters.AddWithValue("$limit", limit ?? -1); // SQLite reads a negative LIMIT as none.
        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("$tenant", tenantId);
        }

        if (after is not null)
        {
            command.Parameters.AddWithValue("$ticks", after.LastActivityUtcTicks);
            command.Parameters.AddWithValue("$id", after.SessionId);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var summaries = new List<SessionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            summaries.Add(ReadSummary(reader));
        }

        return summaries;
    }

    /// <summary>
    /// A page of the session list in index order. The position is a range on the index's leading column(s) plus a filter
    /// for the sessions tied with it, rather than "(ticks, id) &lt; ($ticks, $id)", which the index's mixed directions
    /// (ticks descending, id ascending) cannot answer as a range; so a page starts with a search, not a scan of the pages
    /// before it. As in <see cref="ListSessionsAsync"/>, one statement per case, each answered by its index as written.
    /// </summary>
    internal static string SessionPageSql(bool byTenant, bool after, string columns)
    {
        var conditions = new List<string>(2);
        if (byTenant)
        {
            conditions.Add("tenant_id = $tenant");
        }

        if (after)
        {
            conditions.Add("last_activity_utc_ticks <= $ticks AND (last_activity_utc_ticks < $ticks OR session_id > $id)");
        }

        var where = conditions.Count == 0 ? "" : $" WHERE {string.Join(" AND ", conditions)}";
        return $"SELECT {columns} FROM sessions{where} ORDER BY last_activity_utc_ticks DESC, session_id LIMIT $limit;";
    }

    public async Task<int> CountSessionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "SELECT COUNT(*) FROM sessions WHERE tenant_id = $tenant;");
        command.Parameters.AddWithValue("$tenant", tenantId);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task UpdateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, """
            UPDATE sessions SET tenant_id = $tenant, architecture = $architecture, agent_profile_ref = $profile,
                agent_profile_version = $profileVersion, name = $name,
                created_at = $created, last_activity = $activity, last_activity_utc_ticks = $activityTicks,
                sandbox_restart_count = $restarts, sandbox_start_count = $starts, metadata = $metadata, sandbox_id = $sandboxId
            WHERE session_id = $id;
            """);
        AddRecordParameters(command, session);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw SessionNotFound(session.SessionId);
        }
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = CreateCommand(connection, transaction, """
            DELETE FROM events WHERE session_id = $id;
            DELETE FROM transcript_chunks WHERE session_id = $id;
            DELETE FROM workspace_files WHERE session_id = $id;
            """); // workspace_file_chunks go with workspace_files, by ON DELETE CASCADE.
        command.Parameters.AddWithValue("$id", sessionId);
        await command.ExecuteNonQueryAsync(cancellationToken);

        // Separate from the child rows so the count below is the sessions row alone.
        await using var deleteSession = CreateCommand(connection, transaction, "DELETE FROM sessions WHERE session_id = $id;");
        deleteSession.Parameters.AddWithValue("$id", sessionId);
        var existed = await deleteSession.ExecuteNonQueryAsync(cancellationToken) > 0;
        await transaction.CommitAsync(cancellationToken);
        _lastSeqs.Forget(sessionId);

        // Hand the freed pages back, so deleting a session with large files shrinks the database (at the next
        // checkpoint, which moves the truncation out of the write-ahead log).
        await ExecuteAsync(connection, null, "PRAGMA incremental_vacuum;", cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
        return existed;
    }

    /// <summary>Closes the idle pooled connections to the file, so it is not held open after the store is gone.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Microsoft.Data.Sqlite requires a command to carry the connection's open transaction explicitly.
    private static SqliteCommand CreateCommand(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Fails with <see cref="KeyNotFoundException"/> unless the session exists; run inside the write transaction.</summary>
    private static async Task EnsureSessionExistsAsync(SqliteConnection connection, SqliteTransaction transaction, string sessionId, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(connection, transaction, "SELECT 1 FROM sessions WHERE session_id = $id;");
        command.Parameters.AddWithValue("$id", sessionId);
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
        {
            throw SessionNotFound(sessionId);
        }
    }

    private static KeyNotFoundException SessionNotFound(string sessionId) => new($"Session '{sessionId}' does not exist.");

    private static void AddRecordParameters(SqliteCommand command, SessionRecord session)
    {
        command.Parameters.AddWithValue("$id", session.SessionId);
        command.Parameters.AddWithValue("$tenant", session.TenantId);
        command.Parameters.AddWithValue("$architecture", session.Architecture);
        command.Parameters.AddWithValue("$profile", session.AgentProfileRef);
        command.Parameters.AddWithValue("$profileVersion", (object?)session.AgentProfileVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("$sandboxId", (object?)session.SandboxId ?? DBNull.Value);
        command.Parameters.AddWithValue("$name", (object?)session.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", FormatTimestamp(session.CreatedAt));
        command.Parameters.AddWithValue("$activity", FormatTimestamp(session.LastActivity));
        command.Parameters.AddWithValue("$activityTicks", session.LastActivity.UtcTicks);
        command.Parameters.AddWithValue("$restarts", session.SandboxRestartCount);
        command.Parameters.AddWithValue("$starts", session.SandboxStartCount);
        command.Parameters.AddWithValue("$metadata",
            JsonSerializer.Serialize(session.Metadata, AgentRuntimeJsonContext.Default.SessionMetadata));
    }

    // Binds without a copy when the memory is a whole array, which is what callers usually pass.
    private static byte[] ToArray(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : content.ToArray();
}
