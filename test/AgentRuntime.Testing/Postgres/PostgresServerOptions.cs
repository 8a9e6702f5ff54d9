namespace AgentRuntime.Testing;

/// <summary>How <see cref="PostgresServer.StartAsync(PostgresServerOptions, CancellationToken)"/> sets up its server.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>
    /// Whether the server makes each commit durable as a production server does (<c>fsync</c>,
    /// <c>synchronous_commit</c> and <c>full_page_writes</c> on). Off by default: a throwaway test server has nothing
    /// to lose in a crash and runs several times faster without the flushes. Benchmarks turn it on.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Further server settings, passed as <c>-c name=value</c>; they override the ones the server chooses.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The directory holding <c>initdb</c>, <c>postgres</c> and <c>psql</c>. When <see langword="null"/>, found through
    /// <c>pg_config --bindir</c>, then <c>/usr/lib/postgresql/*/bin</c> (newest first), then <c>PATH</c>.
    /// </summary>
    public string? BinDirectory { get; init; }

    /// <summary>How long creating the cluster and starting the server may take in all before start-up fails.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
