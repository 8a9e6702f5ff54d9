using AgentRuntime.Client;
using AgentRuntime.Testing;

namespace AgentRuntime.Cli.Tests.Support;

/// <summary>
/// A real server (with its scripted model) shared by the tests of one class, which xUnit runs one at a time, so the
/// model's script is never shared between two tests at once; and a client of it for what a test sets up or checks.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    // Bounds every REST call the tests make with the client, so a hang fails the test instead of stalling the run.
    private readonly HttpClient _http = new() { Timeout = RuntimeServer.Timeout };

    internal RuntimeServer Server { get; private set; } = null!;

    internal AgentRuntimeClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await RuntimeServer.StartAsync(TestContext.Current.CancellationToken);
        Client = new AgentRuntimeClient(new AgentRuntimeClientOptions { BaseAddress = Server.BaseAddress, ApiKey = Server.AdminKey, HttpClient = _http });
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        _http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Runs the client against the class's server with its admin key.</summary>
public abstract class CliTest(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    internal RuntimeServer Server => fixture.Server;

    internal ScriptedModelServer Model => fixture.Server.Model;

    internal AgentRuntimeClient Client => fixture.Client;

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The global options that point the client at the server.</summary>
    internal string[] Connection(Uri? url = null) => ["--url", (url ?? Server.BaseAddress).ToString(), "--api-key", Server.AdminKey];

    /// <summary>Runs a command to its end.</summary>
    internal Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync([.. Connection(), .. args]);

    /// <summary>Starts a command in the background.</summary>
    internal CliRun Start(string[] args, bool interactive = false, string? keys = null, string? stdin = null) =>
        CliRun.Start([.. Connection(), .. args], interactive, keys, stdin);

    /// <summary>Creates a session with the client and returns its id.</summary>
    internal async Task<string> NewSessionAsync(string architecture = "claude-agent-sdk")
    {
        var run = await RunAsync("sessions", "create", "--architecture", architecture, "--quiet");
        Assert.Equal(0, await run.ExitCodeAsync());
        return run.Output.Trim();
    }
}
