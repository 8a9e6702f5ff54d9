using AgentRuntime.Host;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Client.Tests.Support;

/// <summary>
/// The real runnable host (SQLite, local sandboxes, the real Claude Code CLI) on Kestrel at 127.0.0.1 port 0, pointed
/// at a scripted model server and a fresh data directory; disposing it stops both and removes the directory. It runs in
/// the default auth mode (<c>apikey</c>), so it makes an admin key at its start: <see cref="AdminKey"/>.
/// </summary>
internal sealed class RuntimeServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory;

    private RuntimeServer(WebApplication app, ScriptedModelServer model, string dataDirectory, Uri baseAddress, string adminKey)
    {
        App = app;
        Model = model;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public WebApplication App { get; }

    public ScriptedModelServer Model { get; }

    public Uri BaseAddress { get; }

    /// <summary>The admin key (tenant <c>default</c>, scopes admin and sessions) the server wrote at its first start.</summary>
    public string AdminKey { get; }

    /// <summary>The file the server wrote <see cref="AdminKey"/> to.</summary>
    public string AdminKeyPath => AdminKeyPathIn(_dataDirectory);

    /// <summary>Starts a server; <paramref name="settings"/> add to (or override) the test configuration.</summary>
    public static async Task<RuntimeServer> StartAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-client-tests-").FullName;
        var model = await ScriptedModelServer.StartAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRuntime:DataDirectory"] = dataDirectory,
            ["AgentRuntime:Claude:BaseUrl"] = model.BaseUrl,
            ["AgentRuntime:Claude:ApiKey"] = "sk-ant-test-key",
            ["Logging:LogLevel:Default"] = "Warning",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()));
        await app.StartAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // The key is on one line, newline-terminated (AuthTests checks the file's exact form).
        var adminKey = (await File.ReadAllTextAsync(AdminKeyPathIn(dataDirectory), cancellationToken).WaitAsync(Timeout, cancellationToken)).TrimEnd('\n');
        return new RuntimeServer(app, model, dataDirectory, new Uri(address), adminKey);
    }

    private static string AdminKeyPathIn(string dataDirectory) => Path.Combine(dataDirectory, "admin.key");

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).WaitAsync(Timeout);
        await App.DisposeAsync();
        await Model.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
