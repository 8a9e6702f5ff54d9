using AgentRuntime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Gemini.Tests.Hosting;

public sealed class AddGeminiCliTests
{
    [Fact]
    public void AddGeminiCli_CalledTwice_RegistersTheArchitectureOnce()
    {
        using var services = Build([], b => b.AddGeminiCli().AddGeminiCli());

        Assert.Equal("gemini-cli", Assert.Single(services.GetServices<IAgentArchitecture>()).Name);
    }

    [Fact]
    public void AddGeminiCli_Configuration_BindsTheOptionsAndConfigureRunsAfter()
    {
        using var services = Build(
            new()
            {
                ["AgentRuntime:Gemini:ApiKey"] = "key-config",
                ["AgentRuntime:Gemini:BaseUrl"] = "http://127.0.0.1:1234",
                ["AgentRuntime:Gemini:Model"] = "gemini-config",
                ["AgentRuntime:Gemini:CliPath"] = "/opt/gemini",
                ["AgentRuntime:Gemini:TurnTimeout"] = "00:05:00",
            },
            b => b.AddGeminiCli(o => o.Model = "gemini-code"));

        var options = services.GetRequiredService<IOptions<GeminiCliOptions>>().Value;

        Assert.Equal(("key-config", "http://127.0.0.1:1234", "gemini-code", "/opt/gemini", TimeSpan.FromMinutes(5)), (options.ApiKey, options.BaseUrl, options.Model, options.CliPath, options.TurnTimeout));
    }

    [Fact]
    public void AddGeminiCli_NoCliPath_DiscoversThePinnedCliOfTheRepository()
    {
        using var services = Build([], b => b.AddGeminiCli());

        var cliPath = services.GetRequiredService<IOptions<GeminiCliOptions>>().Value.CliPath;

        Assert.EndsWith("agents/node_modules/.bin/gemini", cliPath, StringComparison.Ordinal);
        Assert.True(File.Exists(cliPath));
    }

    [Theory]
    [InlineData("AgentRuntime:Gemini:BaseUrl", "not a url", "AgentRuntime:Gemini:BaseUrl")]
    [InlineData("AgentRuntime:Gemini:TurnTimeout", "00:00:00", "TurnTimeout")]
    public void AddGeminiCli_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        using var services = Build(new() { [key] = value }, b => b.AddGeminiCli());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GeminiCliOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAvailability_NoKey_SaysWhichSettingToSet()
    {
        using var services = Build(new() { ["AgentRuntime:Gemini:ApiKey"] = "" }, b => b.AddGeminiCli(o => o.ApiKey = null));
        var architecture = services.GetServices<IAgentArchitecture>().Single();
        var saved = Environment.GetEnvironmentVariable("GEMINI_API_KEY");
        ArchitectureAvailability availability;
        try
        {
            Environment.SetEnvironmentVariable("GEMINI_API_KEY", null);
            availability = architecture.GetAvailability();
        }
        finally
        {
            Environment.SetEnvironmentVariable("GEMINI_API_KEY", saved);
        }

        Assert.False(availability.Available);
        Assert.Equal("No Gemini API key is configured. Set AgentRuntime:Gemini:ApiKey or GEMINI_API_KEY.", availability.Reason);
    }

    [Fact]
    public void GetAvailability_CliMissing_NamesThePath()
    {
        using var services = Build([], b => b.AddGeminiCli(o => (o.CliPath, o.ApiKey) = ("/nowhere/gemini", "key")));

        var availability = services.GetServices<IAgentArchitecture>().Single().GetAvailability();

        Assert.False(availability.Available);
        Assert.Contains("'/nowhere/gemini' does not exist", availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAvailability_CliAndKey_IsAvailable()
    {
        using var services = Build([], b => b.AddGeminiCli(o => o.ApiKey = "key"));

        Assert.Equal(new ArchitectureAvailability("gemini-cli", true, null), services.GetServices<IAgentArchitecture>().Single().GetAvailability());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IAgentRuntimeBuilder> register)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging();
        register(new TestRuntimeBuilder(services));
        return services.BuildServiceProvider();
    }
}
