using System.Diagnostics;
using AgentRuntime.Testing;
using Npgsql;
using Xunit;

namespace AgentRuntime.Persistence.Tests.Postgres;

/// <summary>
/// The test server helper itself: it must leave no process and no directory behind. In the PostgreSQL collection only so
/// the second server it starts does not compete with the shared one's tests for the CPU.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task DisposeAsync_ServerWithOpenConnection_StopsEveryProcessAndDeletesItsDirectory()
    {
        var server = await PostgresServer.StartAsync(CancellationToken);
        int postmaster;
        int backend;
        var dataDirectory = server.DataDirectory;
        try
        {
            postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First());
            var connectionString = await server.CreateDatabaseAsync("dispose_check", CancellationToken);
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync(CancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_backend_pid();", connection);
            backend = (int)(await command.ExecuteScalarAsync(CancellationToken))!;
            Assert.True(IsRunning(postmaster));
            Assert.True(IsRunning(backend));

            await server.DisposeAsync();
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(IsRunning(postmaster), "The postmaster is still running.");
        Assert.False(IsRunning(backend), "A backend outlived its server.");
        Assert.False(Directory.Exists(Path.GetDirectoryName(dataDirectory)), "The server's directory was left behind.");
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_BinDirectoryWithoutServerPrograms_FailsNamingTheSetupScript()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => PostgresServer.StartAsync(new PostgresServerOptions { BinDirectory = "/nonexistent/bin" }, CancellationToken));

        Assert.Contains("bash scripts/setup-postgres.sh", error.Message);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
