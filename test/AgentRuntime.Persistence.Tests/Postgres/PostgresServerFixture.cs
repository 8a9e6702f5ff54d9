using AgentRuntime.Testing;
using Xunit;

namespace AgentRuntime.Persistence.Tests.Postgres;

/// <summary>
/// One real PostgreSQL server on loopback for the PostgreSQL tests, started by the tests themselves (never one started
/// by hand) and stopped after the last of them. Each test class instance makes its own database on it.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The server, started in <see cref="InitializeAsync"/>.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("The server is started in InitializeAsync.");

    // No silent skip: without PostgreSQL installed this fails, and the message says how to install it.
    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
