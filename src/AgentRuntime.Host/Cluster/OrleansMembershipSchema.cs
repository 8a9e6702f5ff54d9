using System.Reflection;
using AgentRuntime.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace AgentRuntime.Host.Cluster;

/// <summary>
/// Creates Orleans' membership tables (its own scripts, embedded unmodified) in the store's database before the silo
/// joins: once per database, whichever node starts first. Several nodes starting at once take a transaction-scoped
/// advisory lock one after the other; the first creates the tables, the others find them and skip.
/// </summary>
internal sealed partial class OrleansMembershipSchema(IOptions<PostgresStoreOptions> store, ILogger<OrleansMembershipSchema> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    // Apart from the store's own migration lock, so the two never wait on each other. "OrlnsMem".
    internal const long LockKey = 0x4F726C6E734D656D;

    public void Participate(ISiloLifecycle lifecycle) =>
        // Before the membership table manager (RuntimeInitialize) reads the tables.
        lifecycle.Subscribe(nameof(OrleansMembershipSchema), ServiceLifecycleStage.RuntimeInitialize - 1, async cancellationToken =>
        {
            if (await ApplyAsync(store.Value.ConnectionString, cancellationToken).ConfigureAwait(false))
            {
                LogCreated(logger);
            }
        });

    /// <summary>Creates what is missing; returns whether it created anything.</summary>
    internal static async Task<bool> ApplyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({LockKey});", cancellationToken).ConfigureAwait(false);
        // The scripts create their tables unquoted, so PostgreSQL folds the names to lower case. The query table may be
        // there already (another Orleans provider's scripts also start from the main one); the clustering part is then
        // all that is missing.
        var hasQueries = await ExistsAsync(connection, "orleansquery", cancellationToken).ConfigureAwait(false);
        var hasMembership = await ExistsAsync(connection, "orleansmembershiptable", cancellationToken).ConfigureAwait(false);
        if (hasQueries && hasMembership)
        {
            return false;
        }

        if (!hasQueries)
        {
            await ExecuteAsync(connection, Script("PostgreSQL-Main.sql"), cancellationToken).ConfigureAwait(false);
        }

        if (!hasMembership)
        {
            await ExecuteAsync(connection, Script("PostgreSQL-Clustering.sql"), cancellationToken).ConfigureAwait(false);
        }

        // DDL is transactional in PostgreSQL: a failure part-way leaves nothing behind, and the lock goes with the commit.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL;", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Script(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"AgentRuntime.Host.Cluster.Sql.{name}")
            ?? throw new InvalidOperationException($"The host was built without its embedded script {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Orleans' membership tables in the store's database.")]
    private static partial void LogCreated(ILogger logger);
}
