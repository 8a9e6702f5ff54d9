using AgentRuntime.Hosting;
using AgentRuntime.Persistence.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAgentRuntimeBuilderExtensionsTests(PostgresServerFixture fixture)
{
    private const string ConnectionStringKey = "AgentRuntime:Postgres:ConnectionString";

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public void UsePostgres_AfterInMemoryDefault_PostgresIsTheOnlyStore()
    {
        var builder = new TestBuilder();
        builder.Services.TryAddSingleton<IAgentStore, InMemoryAgentStore>();

        builder.UsePostgres();

        var descriptor = Assert.Single(builder.Services, d => d.ServiceType == typeof(IAgentStore));
        Assert.Equal(typeof(PostgresAgentStore), descriptor.ImplementationType);
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
    }

    [Fact]
    public void UsePostgres_DefaultRegisteredAfterwardsWithTryAdd_PostgresStillWins()
    {
        var builder = new TestBuilder();

        builder.UsePostgres();
        builder.Services.TryAddSingleton<IAgentStore, InMemoryAgentStore>();

        Assert.Equal(typeof(PostgresAgentStore), Assert.Single(builder.Services, d => d.ServiceType == typeof(IAgentStore)).ImplementationType);
    }

    [Fact]
    public void StartupValidation_NoConnectionString_FailsNamingConfigurationKey()
    {
        using var provider = BuildProvider(new Dictionary<string, string?>());

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ConnectionStringKey, error.Message);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("not a connection string")]
    [InlineData("Database=agent_runtime;Username=agent")]
    [InlineData("Host=db;Port=not-a-number")]
    [InlineData("Host=db;Colour=blue")]
    public void StartupValidation_UnusableConnectionString_FailsNamingConfigurationKey(string connectionString)
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { [ConnectionStringKey] = connectionString });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ConnectionStringKey, error.Message);
    }

    [Fact]
    public void UsePostgres_ConfigureGiven_RunsAfterConfigurationBinding()
    {
        using var provider = BuildProvider(
            new Dictionary<string, string?> { [ConnectionStringKey] = "Host=from-config" },
            o => o.ConnectionString += ";Database=from_code");

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal("Host=from-config;Database=from_code", provider.GetRequiredService<IOptions<PostgresStoreOptions>>().Value.ConnectionString);
    }

    [Fact(Timeout = 30_000)]
    public async Task UsePostgres_ConnectionStringFromConfiguration_ResolvesStoreThatWorksAndIsDisposedWithTheContainer()
    {
        var database = "options_" + Guid.NewGuid().ToString("N");
        try
        {
            var connectionString = await fixture.Server.CreateDatabaseAsync(database, CancellationToken);
            var session = NewSession();
            IAgentStore store;
            await using (var provider = BuildProvider(new Dictionary<string, string?> { [ConnectionStringKey] = connectionString }))
            {
                provider.GetRequiredService<IStartupValidator>().Validate();
                store = provider.GetRequiredService<IAgentStore>();

                await store.InitializeAsync(CancellationToken);
                await store.CreateSessionAsync(session, CancellationToken);

                Assert.IsType<PostgresAgentStore>(store);
                Assert.Equal(Json(session), Json(await store.GetSessionAsync(session.SessionId, CancellationToken)));
            }

            await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetSessionAsync(session.SessionId, CancellationToken));
        }
        finally
        {
            await fixture.Server.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings, Action<PostgresStoreOptions>? configure = null)
    {
        var builder = new TestBuilder();
        builder.Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        builder.UsePostgres(configure);
        return builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private sealed class TestBuilder : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }
}
