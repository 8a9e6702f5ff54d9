using AgentRuntime.Hosting;
using AgentRuntime.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Xunit;

namespace AgentRuntime.Persistence.Tests.Sqlite;

public sealed class SqliteAgentRuntimeBuilderExtensionsTests
{
    [Fact]
    public void UseSqlite_AfterInMemoryDefault_SqliteIsTheOnlyStore()
    {
        var builder = new TestBuilder();
        builder.Services.TryAddSingleton<IAgentStore, InMemoryAgentStore>();

        builder.UseSqlite();

        var descriptor = Assert.Single(builder.Services, d => d.ServiceType == typeof(IAgentStore));
        Assert.Equal(typeof(SqliteAgentStore), descriptor.ImplementationType);
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
    }

    [Fact]
    public void UseSqlite_DefaultRegisteredAfterwardsWithTryAdd_SqliteStillWins()
    {
        var builder = new TestBuilder();

        builder.UseSqlite();
        builder.Services.TryAddSingleton<IAgentStore, InMemoryAgentStore>();

        Assert.Equal(typeof(SqliteAgentStore), Assert.Single(builder.Services, d => d.ServiceType == typeof(IAgentStore)).ImplementationType);
    }

    [Fact]
    public void UseSqlite_WithConfigure_RegistersConfigureAndValidation()
    {
        var builder = new TestBuilder();

        builder.UseSqlite(o => o.Path = "/tmp/x.db");

        var configure = builder.Services
            .Where(d => d.ServiceType == typeof(IConfigureOptions<SqliteStoreOptions>))
            .Select(d => d.ImplementationInstance)
            .OfType<IConfigureOptions<SqliteStoreOptions>>()
            .ToList();
        var options = new SqliteStoreOptions();
        foreach (var c in configure)
        {
            c.Configure(options);
        }

        Assert.Equal("/tmp/x.db", options.Path);
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IValidateOptions<SqliteStoreOptions>));
    }

    [Fact]
    public void Validate_EmptyPath_FailsNamingConfigurationKey()
    {
        var validator = new DataAnnotationValidateOptions<SqliteStoreOptions>(Options.DefaultName);

        var result = validator.Validate(Options.DefaultName, new SqliteStoreOptions { Path = "" });

        Assert.True(result.Failed);
        Assert.Contains("AgentRuntime:Sqlite:Path", result.FailureMessage);
        Assert.True(validator.Validate(Options.DefaultName, new SqliteStoreOptions()).Succeeded);
        Assert.True(validator.Validate(Options.DefaultName, new SqliteStoreOptions { Path = "x.db" }).Succeeded);
    }

    private sealed class TestBuilder : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }
}
