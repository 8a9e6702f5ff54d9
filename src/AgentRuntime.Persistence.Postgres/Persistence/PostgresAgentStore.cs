using System.Globalization;
using System.Text.Json;
using AgentRuntime.Hosting;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Postgres;

/// <summary>
/// The store in a PostgreSQL database. It owns one <see cref="NpgsqlDataSource"/> (one connection pool), disposed
/// with it; every operation borrows a pooled connection, so the store is safe for concurrent use without locks of its
/// own, and several processes may share one database. Writes that read before they write (numbering events and
/// transcript chunks) lock the one row they count on, so they queue only behind writes to the same log or file.
/// </summary>
/// <remarks>
/// The events, transcript, workspace-file and API key operations are in the other parts of this class. Statements
/// use positional parameters (<c>$1</c>), which Npgsql sends as they are rather than rewriting the SQL.
/// </remarks>
internal sealed partial class PostgresAgentStore : IAgentStore, IAsyncDisposable, IDisposable
{
    // The columns ReadRecord reads; AddRecordParameters binds the first ten as $1..$10 in that order, then
    // last_activity_utc_ticks as $11, agent_profile_version as $12 and sandbox_id as $13.
    private const string RecordColumns =
        "session_id, architecture, agent_profile_ref, name, created_at, last_activity, sandbox_restart_count, sandbox_start_count, metadata, tenant_id, agent_profile_version, sandbox_id";

    // The columns of a SessionSummary: the list reads neither the sandbox counts nor the metadata.
    internal const string SummaryColumns = "session_id, architecture, agent_profile_ref, name, created_at, last_activity, tenant_id, agent_profile_version";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public PostgresAgentStore(IOptions<PostgresStoreOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? TimeProvider.System;
        var connectionString = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
        if (string.IsNullOrEmpty(connectionString.Host))
        {
            throw new ArgumentException("AgentRuntime:Postgres:ConnectionString names no Host.", nameof(options));
        }

        // Named so an operator can tell the runtime's connections apart in pg_stat_activity.
        if (string.IsNullOrEmpty(connectionString.ApplicationName))
        {
            connectionString.ApplicationName = "agent-runtime";
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        _dataSource = builder.Build();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PostgresAgentStore>();
    }

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        // A row written and rolled back: a replica or a read-only transaction default refuses it.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "UPDATE schema_version SET version = version WHERE version = (SELECT MAX(version) FROM schema_version);", cancellationToken);
        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Held to the commit: a second instance starting alongside waits here, then finds the schema current.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1);", cancellationToken, Parameter(PostgresSchema.MigrationLockKey));
        await ExecuteAsync(connection, PostgresSchema.CreateVersionTable, cancellationToken);
        await using var select = new NpgsqlCommand("SELECT MAX(version) FROM schema_version;", connection);
        var version = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int v ? v : 0;
        var latest = PostgresSchema.Migrations.Count;
        if (version > latest)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL database '{connection.Database}' has schema version {version}, newer than the {latest} this build knows.");
        }

        if (version == latest)
        {
            return;
        }

        // DDL is transactional in PostgreSQL: a migration that fails leaves the database at the version it was.
        for (var i = version; i < latest; i++)
        {
            await ExecuteAsync(connection, PostgresSchema.Migrations[i], cancellationToken);
        }

        await ExecuteAsync(connection, "DELETE FROM schema_version;", cancellationToken);
        await ExecuteAsync(connection, "INSERT INTO schema_version (version) VALUES ($1);", cancellationToken, Parameter(latest));
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogMigrated(_logger, connection.Database, version, latest);
    }

    public async Task CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO sessions (session_id, architecture, agent_profile_ref, name, created_at, last_activity,
                sandbox_restart_count, sandbox_start_count, metadata, tenant_id, last_activity_utc_ticks, agent_profile_version, sandbox_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (session_id) DO NOTHING;
            """);
        AddRecordParameters(command, session);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new InvalidOperationException($"Session '{session.SessionId}' already exists.");
        }
    }

    public async Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var command = _dataSource.CreateCommand($"SELECT {RecordColumns} FROM sessions WHERE session_id = $1;");
        command.Parameters.Add(Parameter(sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader) : null;
    }

    public async Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken)
    {
        // Two statements rather than "$1 IS NULL OR tenant_id = $1", as in the SQLite store: each is answered by its index
        // as written, without relying on the planner to fold the parameter.
        await using var command = _dataSource.CreateCommand(tenantId is null
            ? $"SELECT {RecordColumns} FROM sessions ORDER BY last_activity_utc_ticks DESC, session_id;"
            : $"SELECT {RecordColumns} FROM sessions WHERE tenant_id = $1 ORDER BY last_activity_utc_ticks DESC, session_id;");
        if (tenantId is not null)
        {
            command.Parameters.Add(Parameter(tenantId));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<SessionRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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

        await using var command = _dataSource.CreateCommand(SessionPageSql(tenantId is not null, after is not null, SummaryColumns));
        if (tenantId is not null)
        {
            command.Parameters.Add(Parameter(tenantId));
        }

        if (after is not null)
        {
            command.Parameters.Add(Parameter(after.LastActivityUtcTicks));
            command.Parameters.Add(Parameter(after.SessionId));
        }

        // LIMIT NULL is no limit.
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)(long?)limit ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var summaries = new List<SessionSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            summaries.Add(ReadSummary(reader));
        }

        return summaries;
    }

    /// <summary>
    /// A page of the session list in index order, with its parameters in this order: the tenant (when
    /// <paramref name="byTenant"/>), the position's ticks and id (when <paramref name="after"/>), the limit. The position
    /// is a range on the index's leading column(s) plus a filter for the sessions tied with it, rather than a row
    /// comparison, which the index's mixed directions (ticks descending, id ascending) cannot answer as a range; so a
    /// page starts with a search, not a scan of the pages before it.
    /// </summary>
    internal static string SessionPageSql(bool byTenant, bool after, string columns)
    {
        var conditions = new List<string>(2);
        var next = 1;
        if (byTenant)
        {
            conditions.Add($"tenant_id = ${next++}");
        }

        if (after)
        {
            conditions.Add($"last_activity_utc_ticks <= ${next} AND (last_activity_utc_ticks < ${next} OR session_id > ${next + 1})");
            next += 2;
        }

        var where = conditions.Count == 0 ? "" : $" WHERE {string.Join(" AND ", conditions)}";
        return $"SELECT {columns} FROM sessions{where} ORDER BY last_activity_utc_ticks DESC, session_id LIMIT ${next};";
    }

    public async Task<int> CountSessionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var command = _dataSource.CreateCommand("SELECT COUNT(*) FROM sessions WHERE tenant_id = $1;");
        command.Parameters.Add(Parameter(tenantId));
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task UpdateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);

        // last_seq is not among the columns: it belongs to the event log, not to the record.
        await using var command = _dataSource.CreateCommand("""
            UPDATE sessions SET architecture = $2, agent_profile_ref = $3, name = $4, created_at = $5, last_activity = $6,
                sandbox_restart_count = $7, sandbox_start_count = $8, metadata = $9, tenant_id = $10, last_activity_utc_ticks = $11,
                agent_profile_version = $12, sandbox_id = $13
            WHERE session_id = $1;
            """);
        AddRecordParameters(command, session);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw SessionNotFound(session.SessionId);
        }
    }

    public async Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);

        // The events, transcript and workspace-file rows go with it (ON DELETE CASCADE), in this one statement.
        await using var command = _dataSource.CreateCommand("DELETE FROM sessions WHERE session_id = $1;");
        command.Parameters.Add(Parameter(sessionId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Closes the pool's connections.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Closes the pool's connections.</summary>
    public void Dispose() => _dataSource.Dispose();

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fails with <see cref="KeyNotFoundException"/> unless the session exists.</summary>
    private async Task EnsureSessionExistsAsync(string sessionId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1 FROM sessions WHERE session_id = $1;");
        command.Parameters.Add(Parameter(sessionId));
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw SessionNotFound(sessionId);
        }
    }

    private static KeyNotFoundException SessionNotFound(string sessionId, Exception? inner = null) =>
        new($"Session '{sessionId}' does not exist.", inner);

    // A child row's foreign key names a session that is not there (never created, or deleted meanwhile).
    private static bool IsMissingSession(PostgresException e) => e.SqlState == PostgresErrorCodes.ForeignKeyViolation;

    private static NpgsqlParameter<T> Parameter<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter NullableText(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static void AddRecordParameters(NpgsqlCommand command, SessionRecord session)
    {
        command.Parameters.Add(Parameter(session.SessionId));
        command.Parameters.Add(Parameter(session.Architecture));
        command.Parameters.Add(Parameter(session.AgentProfileRef));
        command.Parameters.Add(NullableText(session.Name));
        command.Parameters.Add(Parameter(FormatTimestamp(session.CreatedAt)));
        command.Parameters.Add(Parameter(FormatTimestamp(session.LastActivity)));
        command.Parameters.Add(Parameter(session.SandboxRestartCount));
        command.Parameters.Add(Parameter(session.SandboxStartCount));
        command.Parameters.Add(Parameter(JsonSerializer.Serialize(session.Metadata, AgentRuntimeJsonContext.Default.SessionMetadata)));
        command.Parameters.Add(Parameter(session.TenantId));
        command.Parameters.Add(Parameter(session.LastActivity.UtcTicks));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)session.AgentProfileVersion ?? DBNull.Value });
        command.Parameters.Add(NullableText(session.SandboxId));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrated the PostgreSQL store in database '{Database}' from schema version {From} to {To}.")]
    private static partial void LogMigrated(ILogger logger, string database, int from, int to);
}
