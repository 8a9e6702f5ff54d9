using Xunit;

namespace AgentRuntime.Persistence.Tests.Postgres;

/// <summary>
/// The PostgreSQL test classes share one <see cref="PostgresServerFixture"/>. A collection fixture rather than an
/// assembly one so the server starts only when a PostgreSQL test runs (a filtered run of the other stores starts none).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "PostgreSQL";
}
