using AgentRuntime.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// The real host (<see cref="RuntimeHost"/>, as <c>AgentRuntime.Host</c> runs it) for a benchmark: a loopback port, auth
/// mode <c>none</c>, the given data directory and settings, warnings and errors on standard error (standard output
/// carries the tables). Stopping it is bounded, so a wedged sandbox cannot hold the benchmark.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private BenchHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    /// <summary>The address it listens on, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public static async Task<BenchHost> StartAsync(
        string dataDirectory, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken, Action<WebApplicationBuilder>? configure = null)
    {
        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0"], builder =>
        {
            var all = new Dictionary<string, string?>(settings)
            {
                ["AgentRuntime:DataDirectory"] = dataDirectory,
                ["AgentRuntime:Auth:Mode"] = "none",
            };
            all.TryAdd("Logging:LogLevel:Default", "Warning");
            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            configure?.Invoke(builder);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).WaitAsync(StopTimeout, CancellationToken.None);
        await App.DisposeAsync();
    }
}
