using AgentRuntime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Gateway.Tests.Hosting;

public sealed class AddSandboxGatewayTests
{
    [Fact]
    public async Task AddSandboxGateway_CalledTwice_RegistersOneGatewayAndOneHostedService()
    {
        await using var services = Build([], b => b.AddSandboxGateway().AddSandboxGateway());

        Assert.Same(services.GetRequiredService<ISandboxGateway>(), services.GetRequiredService<ISandboxGateway>());
        Assert.Single(services.GetServices<IHostedService>());
    }

    [Fact]
    public void AddSandboxGateway_Configuration_BindsTheOptionsOverTheDefaultPrices()
    {
        using var services = Build(
            new()
            {
                ["AgentRuntime:Gateway:UpstreamTimeout"] = "00:02:00",
                ["AgentRuntime:Gateway:MaxRequestBodyBytes"] = "1048576",
                ["AgentRuntime:Gateway:Prices:my-model:Input"] = "0.5",
                ["AgentRuntime:Gateway:Prices:my-model:Output"] = "1.5",
                ["AgentRuntime:Gateway:Prices:claude-sonnet-4:Input"] = "2",
            },
            b => b.AddSandboxGateway(o => o.EgressTimeout = TimeSpan.FromSeconds(3)));

        var options = services.GetRequiredService<IOptions<SandboxGatewayOptions>>().Value;

        Assert.Equal((TimeSpan.FromMinutes(2), 1048576L, TimeSpan.FromSeconds(3)), (options.UpstreamTimeout, options.MaxRequestBodyBytes, options.EgressTimeout));
        Assert.Equal((0.5m, 1.5m), (options.Prices["my-model"].Input, options.Prices["MY-MODEL"].Output));
        Assert.Equal(2m, options.Prices["claude-sonnet-4"].Input);
        Assert.Equal(5m, options.Prices["claude-opus-4-5"].Input);
    }

    [Theory]
    [InlineData("AgentRuntime:Gateway:UpstreamTimeout", "00:00:00", "UpstreamTimeout")]
    [InlineData("AgentRuntime:Gateway:MaxRequestHeadersBytes", "100", "MaxRequestHeadersBytes")]
    [InlineData("AgentRuntime:Gateway:Prices:my-model:Output", "-1", "AgentRuntime:Gateway:Prices:my-model:Output")]
    public void AddSandboxGateway_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        using var services = Build(new() { [key] = value }, b => b.AddSandboxGateway());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SandboxGatewayOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostedService_Stop_ClosesTheLeasesAndTheGatewayOpensNoMore()
    {
        await using var services = Build([], b => b.AddSandboxGateway());
        var gateway = services.GetRequiredService<ISandboxGateway>();
        var lease = gateway.Open(new SandboxGatewayRequest { SessionId = "s", Network = SandboxNetworkPolicy.ModelOnly });
        var token = lease.GrantToken(new ModelUpstream(ModelApiKind.Anthropic, new Uri("http://127.0.0.1:1"), "k"));

        await services.GetServices<IHostedService>().Single().StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.False(((SandboxGatewayLease)lease).TryGetGrant(token, out _));
        Assert.Throws<ObjectDisposedException>(() => gateway.Open(new SandboxGatewayRequest { SessionId = "s", Network = SandboxNetworkPolicy.ModelOnly }));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IAgentRuntimeBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        configure(new TestRuntimeBuilder(services));
        return services.BuildServiceProvider();
    }

    private sealed class TestRuntimeBuilder(IServiceCollection services) : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
