using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Claude.Hosting;
using AgentRuntime.Architectures.Claude.Tests.Cli;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Claude.Tests.Hosting;

public sealed class AddClaudeCodeTests
{
    [Fact]
    public void AddClaudeCode_CalledTwice_RegistersTheArchitectureOnce()
    {
        using var services = Build([], b => b.AddClaudeCode().AddClaudeCode());

        var architecture = Assert.Single(services.GetServices<IAgentArchitecture>());

        Assert.Equal("claude-agent-sdk", architecture.Name);
    }

    [Fact]
    public void AddClaudeCode_Configuration_BindsTheOptionsAndConfigureRunsAfter()
    {
        using var services = Build(
            new()
            {
                ["AgentRuntime:Claude:ApiKey"] = "sk-config",
                ["AgentRuntime:Claude:BaseUrl"] = "http://127.0.0.1:1234",
                ["AgentRuntime:Claude:Model"] = "claude-config",
                ["AgentRuntime:Claude:CliPath"] = "/opt/claude",
                ["AgentRuntime:Claude:TurnTimeout"] = "00:05:00",
            },
            b => b.AddClaudeCode(o => o.Model = "claude-code"));

        var options = services.GetRequiredService<IOptions<ClaudeCodeOptions>>().Value;

        Assert.Equal(("sk-config", "http://127.0.0.1:1234", "claude-code", "/opt/claude", TimeSpan.FromMinutes(5)), (options.ApiKey, options.BaseUrl, options.Model, options.CliPath, options.TurnTimeout));
    }

    [Fact]
    public void AddClaudeCode_NoCliPath_DiscoversThePinnedCliOfTheRepository()
    {
        using var services = Build([], b => b.AddClaudeCode());

        var cliPath = services.GetRequiredService<IOptions<ClaudeCodeOptions>>().Value.CliPath;

        Assert.EndsWith("agents/node_modules/.bin/claude", cliPath, StringComparison.Ordinal);
        Assert.True(File.Exists(cliPath));
    }

    [Theory]
    [InlineData("AgentRuntime:Claude:BaseUrl", "not a url", "AgentRuntime:Claude:BaseUrl")]
    [InlineData("AgentRuntime:Claude:BaseUrl", "ftp://host", "AgentRuntime:Claude:BaseUrl")]
    [InlineData("AgentRuntime:Claude:TurnTimeout", "00:00:00", "TurnTimeout")]
    public void AddClaudeCode_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        using var services = Build(new() { [key] = value }, b => b.AddClaudeCode());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ClaudeCodeOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAvailability_CliMissing_IsUnavailableSayingWhere()
    {
        var availability = Architecture(new ClaudeCodeOptions { ApiKey = "k", CliPath = "/nowhere/claude" }).GetAvailability();

        Assert.False(availability.Available);
        Assert.Contains("/nowhere/claude", availability.Reason, StringComparison.Ordinal);
        Assert.Contains("AgentRuntime:Claude:CliPath", availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAvailability_KeyMissing_IsUnavailableNamingTheSettings()
    {
        var availability = Architecture(new ClaudeCodeOptions { CliPath = PinnedCli() }).GetAvailability();

        Assert.False(availability.Available);
        Assert.Equal("No Anthropic API key is configured. Set AgentRuntime:Claude:ApiKey or ANTHROPIC_API_KEY.", availability.Reason);
    }

    [Fact]
    public void GetAvailability_CliAndKeyPresent_IsAvailable()
    {
        Assert.Equal(new ArchitectureAvailability("claude-agent-sdk", true, null), Architecture(new ClaudeCodeOptions { ApiKey = "k", CliPath = PinnedCli() }).GetAvailability());
    }

    [Fact]
    public void GetTranscriptDirectories_Sandbox_IsTheProjectDirectoryOfItsWorkspace()
    {
        var directories = Architecture(new ClaudeCodeOptions()).GetTranscriptDirectories(new PathOnlySandbox("/data/sandboxes/s1/workspace"), RecordedOutput.Session());

        Assert.Equal([".claude/projects/-data-sandboxes-s1-workspace"], directories);
    }

    [Fact]
    public void ClaudeCliLocator_PinnedCliAboveTheStart_IsFoundWalkingUp()
    {
        var root = Directory.CreateTempSubdirectory("locator-");
        try
        {
            var cli = Path.Combine(root.FullName, ClaudeCodeOptionsSetup.CliLocator.PinnedRelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(cli)!);
            File.WriteAllText(cli, "");
            var start = Directory.CreateDirectory(Path.Combine(root.FullName, "bin", "Debug", "net10.0")).FullName;

            Assert.Equal(cli, ClaudeCodeOptionsSetup.CliLocator.Find([start], pathVariable: ""));
            Assert.Null(ClaudeCodeOptionsSetup.CliLocator.Find([root.Parent!.FullName], pathVariable: ""));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string PinnedCli() => ClaudeCodeOptionsSetup.CliLocator.Find([AppContext.BaseDirectory], pathVariable: null)!;

    private static ClaudeCodeArchitecture Architecture(ClaudeCodeOptions options) =>
        new(Options.Create(options), TimeProvider.System, NullLogger<ClaudeCodeArchitecture>.Instance);

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IAgentRuntimeBuilder> register)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging();
        register(new TestRuntimeBuilder(services));
        return services.BuildServiceProvider();
    }
}
