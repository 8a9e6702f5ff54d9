using System.Globalization;
using System.Net.Http.Json;
using AgentRuntime.Api;
using AgentRuntime.Architectures;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using AgentRuntime.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// The real server, built as <c>RuntimeHost</c> builds it (<c>AddAgentRuntime()</c>, the store, <c>UseAgentRuntime()</c>,
/// <c>MapAgentRuntime()</c>) on Kestrel at 127.0.0.1 port 0, with the bench's agent and sandbox stand-ins, no
/// authentication (loopback only) and the tenant limits raised out of the way; and the REST calls the bench makes.
/// </summary>
internal sealed class FanOutServer : IAsyncDisposable
{
    public const string Profile = "bench";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private FanOutServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    /// <summary>A client for REST calls and SSE streams; HTTP/1.1, one connection per stream.</summary>
    public HttpClient Http { get; }

    /// <param name="dataDirectory">A private directory for the server's data (the SQLite database, spooled files).</param>
    /// <param name="sqlite">SQLite as <c>UseSqlite()</c> makes it, else the core's in-memory store.</param>
    /// <param name="eventsPerSecond">The rate at which the stand-in agent streams its deltas.</param>
    public static async Task<FanOutServer> StartAsync(string dataDirectory, bool sqlite, int eventsPerSecond, CancellationToken cancellationToken)
    {
        // A profile without network, so no gateway lease is opened for sandboxes that never call a model.
        var profiles = Directory.CreateDirectory(Path.Combine(dataDirectory, "profiles")).FullName;
        await File.WriteAllTextAsync(Path.Combine(profiles, "bench.json"), $$"""{"id":"{{Profile}}","name":"Bench","network":"none"}""", cancellationToken);

        // As RuntimeHost does: no watch on the settings files, which would see every write under the content root.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", "--urls", "http://127.0.0.1:0"],
            ContentRootPath = dataDirectory,
        });
        const string Many = "1000000";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRuntime:DataDirectory"] = dataDirectory,
            ["AgentRuntime:ProfilesDirectory"] = profiles,
            ["AgentRuntime:Auth:Mode"] = "none",
            ["AgentRuntime:Limits:MaxSessions"] = Many,
            ["AgentRuntime:Limits:MaxRunningTurns"] = Many,
            ["AgentRuntime:Limits:MaxLiveSandboxes"] = Many,
            ["AgentRuntime:Limits:RequestsPerMinute"] = Many,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        // Standard output carries the tables; anything the server logs goes to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton<ISandboxProvider, NullSandboxProvider>();
        builder.Services.AddSingleton<IAgentArchitecture>(new StreamingArchitecture(eventsPerSecond));
        var runtime = builder.Services.AddAgentRuntime();
        if (sqlite)
        {
            runtime.UseSqlite();
        }

        var app = builder.Build();
        app.UseAgentRuntime();
        app.MapAgentRuntime();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FanOutServer(app, new Uri(address));
    }

    public async Task<string> CreateSessionAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsJsonAsync("api/sessions", new CreateSessionBody(Profile, StreamingArchitecture.ArchitectureName), AgentRuntimeJsonContext.Default.CreateSessionBody, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, cancellationToken))!.SessionId;
    }

    /// <summary>Starts a turn in which the stand-in agent streams <paramref name="deltas"/> deltas.</summary>
    public async Task SendMessageAsync(string sessionId, int deltas, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsJsonAsync($"api/sessions/{sessionId}/messages", new SendMessageBody(deltas.ToString(CultureInfo.InvariantCulture)), AgentRuntimeJsonContext.Default.SendMessageBody, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken) =>
        (await Http.GetFromJsonAsync($"api/sessions/{sessionId}", AgentRuntimeJsonContext.Default.SessionDetail, cancellationToken))!.LastSeq;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync().WaitAsync(StopTimeout);
        await _app.DisposeAsync();
    }
}
