using System.Net.Http.Json;
using AgentRuntime.Events;
using AgentRuntime.Host;
using AgentRuntime.Host.Cluster;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Hosts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>A real PostgreSQL server on loopback for a test class; each test makes its own database on it.</summary>
public sealed class PostgresInstance : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary><c>AgentRuntime:Cluster:Mode=postgres</c> in one process: two servers on one database form one cluster.</summary>
public sealed class PostgresClusterTests(PostgresInstance postgres) : IClassFixture<PostgresInstance>, IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("agent-runtime-pgcluster-");
    private ScriptedModelServer _model = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync(Token);

    public async ValueTask DisposeAsync()
    {
        await _model.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task TwoServers_OnOneDatabase_FormOneClusterAndASessionAnswersThroughEither()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("two_nodes", Token);
        await using var first = await StartNodeAsync("a", connectionString);
        await using var second = await StartNodeAsync("b", connectionString);
        using var secondHttp = second.CreateHttpClient(first.AdminKey);

        var session = await first.CreateSessionAsync();
        await using var events = new EventCollector(ct => SseClient.ReadAsync(secondHttp, session.SessionId, 0, ct));
        _model.Enqueue(Reply.Text("Answered across the cluster."));
        var response = await secondHttp.PostAsJsonAsync($"/api/sessions/{session.SessionId}/messages", new { content = "Hello?" }, Token);
        response.EnsureSuccessStatusCode();
        var turnId = (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.TurnAccepted, Token))!.TurnId;

        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(120));
        Assert.Equal(Enumerable.Range(1, events.Events.Count).Select(i => (long)i), events.Events.Select(e => e.Seq));
        var detail = (await secondHttp.GetFromJsonAsync($"/api/sessions/{session.SessionId}", AgentRuntimeJsonContext.Default.SessionDetail, Token))!;
        Assert.Contains(detail.Blocks.OfType<Blocks.AssistantTextBlock>(), b => b.Content == "Answered across the cluster.");
        Assert.Equal(2, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = 'agent-runtime' AND status = 3"));
    }

    [Fact]
    public async Task MembershipSchema_AppliedByThreeAtOnce_IsCreatedOnceAndThenSkipped()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("schema_race", Token);

        var created = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => OrleansMembershipSchema.ApplyAsync(connectionString, Token))));

        Assert.Single(created, c => c);
        Assert.False(await OrleansMembershipSchema.ApplyAsync(connectionString, Token));
        Assert.Equal(9L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM orleansquery"));
        Assert.Equal(0L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM orleansmembershiptable"));
    }

    [Fact]
    public async Task MembershipSchema_WithTheQueryTableAlreadyThere_AddsOnlyTheClusteringPart()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("schema_partial", Token);
        await ScalarAsync<int>(connectionString, "CREATE TABLE OrleansQuery (QueryKey varchar(64) NOT NULL PRIMARY KEY, QueryText varchar(8000) NOT NULL); INSERT INTO OrleansQuery VALUES ('OtherProviderKey', 'SELECT 1'); SELECT 1");

        Assert.True(await OrleansMembershipSchema.ApplyAsync(connectionString, Token));

        Assert.Equal(10L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM orleansquery"));
        Assert.False(await OrleansMembershipSchema.ApplyAsync(connectionString, Token));
    }

    [Fact]
    public void ModePostgres_WithTheSqliteStore_FailsAtStartSayingWhatToSet()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RuntimeHost.CreateApp([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRuntime:DataDirectory"] = _data.FullName,
            ["AgentRuntime:Cluster:Mode"] = "postgres",
        })));

        Assert.Contains("AgentRuntime:Store=postgres", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("7")]
    public void ClusterMode_ThatIsNone_FailsAtStartNamingTheKey(string mode)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RuntimeHost.CreateApp([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRuntime:DataDirectory"] = _data.FullName,
            ["AgentRuntime:Cluster:Mode"] = mode,
        })));

        Assert.Contains("AgentRuntime:Cluster:Mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModePostgres_SetInCodeOnAServerBuiltWithoutTheClustering_FailsAtStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(_data.CreateSubdirectory("code").FullName, _model, configure: builder =>
            builder.Services.Configure<Hosting.AgentRuntimeOptions>(o => o.Cluster.Mode = Hosting.ClusterMode.Postgres)));

        Assert.Contains("AgentRuntime:Store=postgres", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModePostgres_WithAnAdvertisedAddressThatIsNoIp_FailsAtStartNamingTheKey()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("bad_address", Token);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartNodeAsync("bad", connectionString, new() { ["AgentRuntime:Cluster:AdvertisedAddress"] = "node-1.internal" }));

        Assert.Contains("AgentRuntime:Cluster:AdvertisedAddress", error.Message, StringComparison.Ordinal);
    }

    private Task<RunningServer> StartNodeAsync(string name, string connectionString, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(HostCluster.QuickFailover.ToDictionary(p => p.Key, p => (string?)p.Value))
        {
            ["AgentRuntime:Store"] = "postgres",
            ["AgentRuntime:Postgres:ConnectionString"] = connectionString,
            ["AgentRuntime:Cluster:Mode"] = "postgres",
            ["AgentRuntime:Cluster:SiloPort"] = HostCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRuntime:Cluster:AdvertisedAddress"] = "127.0.0.1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return RunningServer.StartAsync(_data.CreateSubdirectory(name).FullName, _model, settings);
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Token))!;
    }
}
