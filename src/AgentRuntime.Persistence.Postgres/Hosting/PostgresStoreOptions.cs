using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Hosting;

/// <summary>
/// Settings of the PostgreSQL store, bound from the configuration section <c>AgentRuntime:Postgres</c>
/// (so <c>AgentRuntime__Postgres__ConnectionString</c> sets <see cref="ConnectionString"/> from the environment).
/// </summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Postgres";

    /// <summary>
    /// The Npgsql connection string of the database the store keeps its tables in, such as
    /// <c>Host=db;Database=agent_runtime;Username=agent;Password=…</c>. The database must exist; the store creates and
    /// migrates its tables in the connection's default schema (set <c>Search Path</c> to use another).
    /// </summary>
    [Required(ErrorMessage = "AgentRuntime:Postgres:ConnectionString is required when the PostgreSQL store is used, e.g. Host=localhost;Database=agent_runtime;Username=agent;Password=secret.")]
    public string ConnectionString { get; set; } = "";
}
