using AgentRuntime.Persistence;
using AgentRuntime.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRuntime.Hosting;

/// <summary>Registers the SQLite store on an <see cref="IAgentRuntimeBuilder"/>.</summary>
public static class SqliteAgentRuntimeBuilderExtensions
{
    /// <summary>
    /// Keeps sessions, event logs, transcripts, workspace files and profiles in a SQLite database file, replacing
    /// any store registered before. Settings bind from <c>AgentRuntime:Sqlite</c>; <paramref name="configure"/> runs after binding.
    /// </summary>
    /// <param name="builder">The runtime builder.</param>
    /// <param name="configure">Adjusts the options after they are bound from configuration.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IAgentRuntimeBuilder UseSqlite(this IAgentRuntimeBuilder builder, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var options = builder.Services.AddOptions<SqliteStoreOptions>()
            .BindConfiguration(SqliteStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Not TryAdd: the core registers the in-memory store with TryAdd, and choosing SQLite explicitly must win
        // over that default whichever of the two registrations runs first.
        builder.Services.RemoveAll<IAgentStore>();
        builder.Services.AddSingleton<IAgentStore, SqliteAgentStore>();
        return builder;
    }
}
