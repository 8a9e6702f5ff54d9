using AgentRuntime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp.Tests.Hosting;

public sealed class AddAcpAgentTests
{
    [Fact]
    public void AddAcpAgent_Configuration_BindsCommandArgsAndEnvAndConfigureRunsAfter()
    {
        using var services = Build(
            new()
            {
                ["AgentRuntime:Acp:Command"] = "/usr/bin/node",
                ["AgentRuntime:Acp:Args:0"] = "/opt/agent/index.js",
                ["AgentRuntime:Acp:Args:1"] = "--acp",
                ["AgentRuntime:Acp:Env:AGENT_API_KEY"] = "k",
                ["AgentRuntime:Acp:TranscriptDirectories:0"] = ".agent/sessions",
                ["AgentRuntime:Acp:TurnTimeout"] = "00:05:00",
            },
            b => b.AddAcpAgent(o => o.ServeFileSystem = false).AddAcpAgent());

        var options = services.GetRequiredService<IOptions<AcpAgentOptions>>().Value;

        Assert.Equal("acp", Assert.Single(services.GetServices<IAgentArchitecture>()).Name);
        Assert.Equal(("/usr/bin/node", "k", false, TimeSpan.FromMinutes(5)), (options.Command, options.Env["AGENT_API_KEY"], options.ServeFileSystem, options.TurnTimeout));
        Assert.Equal(["/opt/agent/index.js", "--acp"], options.Args);
        Assert.Equal([".agent-runtime/acp", ".agent/sessions"], services.GetServices<IAgentArchitecture>().Single().GetTranscriptDirectories(new Support.MemorySandbox(), null!));
    }

    [Theory]
    [InlineData("AgentRuntime:Acp:TranscriptDirectories:0", "/etc", "AgentRuntime:Acp:TranscriptDirectories")]
    [InlineData("AgentRuntime:Acp:TranscriptDirectories:0", "a/../../b", "AgentRuntime:Acp:TranscriptDirectories")]
    [InlineData("AgentRuntime:Acp:TurnTimeout", "00:00:00", "TurnTimeout")]
    public void AddAcpAgent_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        using var services = Build(new() { [key] = value }, b => b.AddAcpAgent());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AcpAgentOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAvailability_NoCommand_SaysWhatToConfigure()
    {
        using var services = Build([], b => b.AddAcpAgent());

        var availability = services.GetServices<IAgentArchitecture>().Single().GetAvailability();

        Assert.Equal(new ArchitectureAvailability("acp", false, "No ACP agent is configured: set AgentRuntime:Acp:Command (and Args)."), availability);
    }

    [Fact]
    public void GetAvailability_MissingCommandPath_NamesIt()
    {
        using var services = Build(new() { ["AgentRuntime:Acp:Command"] = "/nowhere/agent" }, b => b.AddAcpAgent());

        var availability = services.GetServices<IAgentArchitecture>().Single().GetAvailability();

        Assert.False(availability.Available);
        Assert.Contains("'/nowhere/agent'", availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NoCommand_ThrowsAgentNotConfigured()
    {
        using var services = Build([], b => b.AddAcpAgent());
        var architecture = services.GetServices<IAgentArchitecture>().Single();
        await using var sandbox = new Support.MemorySandbox();
        var context = new AgentConnectContext
        {
            Sandbox = sandbox,
            Session = new Sessions.SessionRecord { SessionId = "s", Architecture = "acp", AgentProfileRef = "default", CreatedAt = default, LastActivity = default },
            Profile = new Profiles.AgentProfile { Id = "default", Name = "Default" },
            Resume = false,
        };

        var error = await Assert.ThrowsAsync<AgentException>(() => architecture.ConnectAsync(context, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Equal("agent_not_configured", error.Code);
        Assert.Empty(sandbox.Started);
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
