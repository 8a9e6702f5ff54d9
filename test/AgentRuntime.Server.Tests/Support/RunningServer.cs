using System.Net.Http.Json;
using AgentRuntime.Host;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using AgentRuntime.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// The real runnable host (SQLite, local sandboxes, the real Claude Code CLI) on Kestrel at 127.0.0.1 port 0,
/// pointed at a scripted model server and a data directory that outlives one host, so tests can restart it.
/// </summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private RunningServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public static async Task<RunningServer> StartAsync(string dataDirectory, ScriptedModelServer model, IDictionary<string, string?>? settings = null)
    {
        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0"], builder =>
        {
            var values = new Dictionary<string, string?>
            {
                ["AgentRuntime:DataDirectory"] = dataDirectory,
                ["AgentRuntime:Claude:BaseUrl"] = model.BaseUrl,
                ["AgentRuntime:Claude:ApiKey"] = "sk-ant-test-key",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                values[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(values);
        });
        await app.StartAsync().WaitAsync(Timeout);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, new Uri(address));
    }

    public HubConnection CreateHubConnection() => new HubConnectionBuilder()
        .WithUrl(new Uri(BaseAddress, "/hubs/sessions"))
        .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default))
        .Build();

    public async Task<SessionListItem> CreateSessionAsync(string architecture = "claude-agent-sdk", string profile = "default")
    {
        var response = await Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = profile, architecture });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem))!;
    }

    public async Task<string> SendMessageAsync(string sessionId, string content)
    {
        var response = await Http.PostAsJsonAsync($"/api/sessions/{sessionId}/messages", new { content });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.TurnAccepted))!.TurnId;
    }

    public async Task<SessionDetail> GetSessionAsync(string sessionId) =>
        (await Http.GetFromJsonAsync($"/api/sessions/{sessionId}", AgentRuntimeJsonContext.Default.SessionDetail))!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
    }
}
