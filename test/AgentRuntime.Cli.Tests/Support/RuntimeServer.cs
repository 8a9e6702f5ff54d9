using AgentRuntime.Host;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Cli.Tests.Support;

/// <summary>
/// The real runnable host (SQLite, local sandboxes, the real Claude Code CLI) on Kestrel at 127.0.0.1 port 0, pointed
/// at a scripted model server and a fresh private data directory, in the default <c>apikey</c> mode; disposing it stops
/// both and removes the directory. (The client tests have the same harness; test projects do not reference each other.)
/// </summary>
internal sealed class RuntimeServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory;
    private readonly bool _ownsDataDirectory;

    private RuntimeServer(WebApplication app, ScriptedModelServer model, string dataDirectory, bool ownsDataDirectory, Uri baseAddress, string adminKey)
    {
        App = app;
        Model = model;
        _dataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public WebApplication App { get; }

    public ScriptedModelServer Model { get; }

    public Uri BaseAddress { get; }

    /// <summary>The admin key the server wrote at its first start.</summary>
    public string AdminKey { get; }

    /// <summary>The data directory: the SQLite store, the sandboxes, the admin key.</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// Starts a server on a fresh data directory, removed when it stops; or on <paramref name="dataDirectory"/> (a
    /// restart: the same store, sessions and admin key), which the caller removes.
    /// </summary>
    public static async Task<RuntimeServer> StartAsync(CancellationToken cancellationToken, string? dataDirectory = null)
    {
        // CreateTempSubdirectory makes it 0700 on Unix.
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("agent-runtime-cli-tests-").FullName;
        var model = await ScriptedModelServer.StartAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        var app = RuntimeHost.CreateApp(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRuntime:DataDirectory"] = dataDirectory,
            ["AgentRuntime:Claude:BaseUrl"] = model.BaseUrl,
            ["AgentRuntime:Claude:ApiKey"] = "sk-ant-test-key",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin.key"), cancellationToken).WaitAsync(Timeout, cancellationToken)).TrimEnd('\n');
        return new RuntimeServer(app, model, dataDirectory, owns, new Uri(address), adminKey);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).WaitAsync(Timeout);
        await App.DisposeAsync();
        await Model.DisposeAsync();
        if (_ownsDataDirectory && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
