using AgentRuntime.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class HostConfigurationTests
{
    [Fact]
    public async Task CreateApp_ByDefault_DoesNotWatchItsSettingsFiles()
    {
        await using var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0", "--AgentRuntime:Store", "memory"]);

        var sources = ((IConfigurationRoot)app.Configuration).Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source).ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.False(source.ReloadOnChange));
    }

    [Fact]
    public async Task CreateApp_AskedTo_WatchesItsSettingsFiles()
    {
        await using var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0", "--AgentRuntime:Store", "memory", "--hostBuilder:reloadConfigOnChange=true"]);

        Assert.Contains(((IConfigurationRoot)app.Configuration).Providers.OfType<JsonConfigurationProvider>(), p => p.Source.ReloadOnChange);
    }
}
