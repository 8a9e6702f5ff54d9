using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace AgentRuntime.Hosting;

/// <summary>Registers the PostgreSQL store on an <see cref="IAgentRuntimeBuilder"/>.</summary>
public static class PostgresAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Keeps sessions, event logs, transcripts, workspace files and profiles in a PostgreSQL database, replacing any
    /// store registered before. Settings bind from <c>AgentRuntime:Postgres</c>; <paramref name="configure"/> runs after
    /// binding. A missing or malformed <c>AgentRuntime:Postgres:ConnectionString</c> fails at start-up.
    /// </summary>
    /// <param name="builder">The runtime builder.</param>
    /// <param name="configure">Adjusts the options after they are bound from configuration.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IAgentRuntimeBuilder UsePostgres(this IAgentRuntimeBuilder builder, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var options = builder.Services.AddOptions<PostgresStoreOptions>()
            .BindConfiguration(PostgresStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ConnectionString) || IsConnectionString(o.ConnectionString),
                "AgentRuntime:Postgres:ConnectionString is not a PostgreSQL connection string with a Host (Key=Value pairs such as Host=localhost;Database=agent_runtime).")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Not TryAdd: the core registers the in-memory store with TryAdd, and choosing PostgreSQL explicitly must win
        // over that default whichever of the two registrations runs first.
        builder.Services.RemoveAll<IAgentStore>();
        builder.Services.AddSingleton<IAgentStore, PostgresAgentStore>();
        return builder;
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            return !string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(value).Host);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return false;
        }
    }
}
