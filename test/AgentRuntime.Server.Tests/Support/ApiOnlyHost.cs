using AgentRuntime.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// The runnable host on an in-memory store, on Kestrel at 127.0.0.1 port 0, for tests of the HTTP surface alone: no
/// model server, no session is run. Its data directory is a private temporary one, removed on dispose.
/// </summary>
internal sealed class ApiOnlyHost : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private ApiOnlyHost(WebApplication app, Uri baseAddress, string dataDirectory)
    {
        App = app;
        _dataDirectory = dataDirectory;
        var adminKeyFile = Path.Combine(dataDirectory, "admin.key");
        AdminKey = File.Exists(adminKeyFile) ? File.ReadAllText(adminKeyFile).Trim() : null;
        Anonymous = new HttpClient { BaseAddress = baseAddress, Timeout = RunningServer.Timeout };
    }

    public WebApplication App { get; }

    /// <summary>The admin key of the first start (null when authentication is not by API key).</summary>
    public string? AdminKey { get; }

    /// <summary>A client without a credential.</summary>
    public HttpClient Anonymous { get; }

    /// <param name="environment">The host's environment name (Production unless given).</param>
    /// <param name="settings">Settings layered over the defaults.</param>
    public static async Task<ApiOnlyHost> StartAsync(string environment = "Production", IDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-tests-").FullName;
        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0", "--environment", environment], builder =>
        {
            var values = new Dictionary<string, string?>
            {
                ["AgentRuntime:Store"] = "memory",
                ["AgentRuntime:DataDirectory"] = dataDirectory,
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                values[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(values);
        });
        await app.StartAsync().WaitAsync(RunningServer.Timeout);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiOnlyHost(app, new Uri(address), dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        await App.StopAsync().WaitAsync(RunningServer.Timeout);
        await App.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
