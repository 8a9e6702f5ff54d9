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

    private RunningServer(WebApplication app, Uri baseAddress, string? adminKey)
    {
        App = app;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Http = CreateHttpClient(adminKey);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>The admin key the server made at its first start (null when authentication is not by API key).</summary>
    public string? AdminKey { get; }

    /// <summary>A client signed in as the admin, as most tests are.</summary>
    public HttpClient Http { get; }

    /// <summary>A client with another credential (or none).</summary>
    public HttpClient CreateHttpClient(string? bearer)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    public static async Task<RunningServer> StartAsync(string dataDirectory, ScriptedModelServer model, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
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
            configure?.Invoke(builder);
        });
        await app.StartAsync().WaitAsync(Timeout);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var adminKeyFile = Path.Combine(dataDirectory, "admin.key");
        return new RunningServer(app, new Uri(address), File.Exists(adminKeyFile) ? (await File.ReadAllTextAsync(adminKeyFile)).Trim() : null);
    }

    public HubConnection CreateHubConnection() => CreateHubConnection(AdminKey);

    public HubConnection CreateHubConnection(string? bearer) => new HubConnectionBuilder()
        .WithUrl(new Uri(BaseAddress, "/hubs/sessions"), options => options.AccessTokenProvider = () => Task.FromResult(bearer))
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
