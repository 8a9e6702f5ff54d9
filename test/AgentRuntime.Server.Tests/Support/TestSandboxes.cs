using System.Text;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Local;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// The real local sandbox provider, registered as the host registers it, for tests below the agent. Its data lives
/// under a private (0700) temporary directory, as <c>mktemp -d</c> makes one.
/// </summary>
internal sealed class TestSandboxes : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly DirectoryInfo _root;

    private TestSandboxes(ServiceProvider services, DirectoryInfo root)
    {
        _services = services;
        _root = root;
    }

    public ISandboxProvider Provider => _services.GetRequiredService<ISandboxProvider>();

    public string DataDirectory => _root.FullName;

    public static Task<TestSandboxes> StartAsync(Action<LocalSandboxOptions>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("agent-runtime-sandboxes-");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddAgentRuntimeCore(o => o.DataDirectory = root.FullName).AddLocalSandbox(configure);
        return Task.FromResult(new TestSandboxes(services.BuildServiceProvider(), root));
    }

    public Task<ISandbox> CreateAsync(SandboxNetworkPolicy network, ISandboxBridge? bridge, CancellationToken ct) =>
        Provider.CreateAsync(new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = network, Bridge = bridge }, ct);

    /// <summary>Runs a shell command in a new sandbox and returns its standard output and error.</summary>
    public async Task<string> RunAsync(SandboxNetworkPolicy network, string command, CancellationToken ct, ISandboxBridge? bridge = null)
    {
        await using var sandbox = await CreateAsync(network, bridge, ct);
        return await RunAsync(sandbox, command, ct);
    }

    /// <summary>Runs a shell command in a sandbox and returns its standard output and error.</summary>
    public static async Task<string> RunAsync(ISandbox sandbox, string command, CancellationToken ct)
    {
        await using var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "/bin/bash", Arguments = ["-c", command] }, ct);
        process.StandardInput.Close();
        var stdout = new StreamReader(process.StandardOutput, Encoding.UTF8).ReadToEndAsync(ct);
        var stderr = new StreamReader(process.StandardError, Encoding.UTF8).ReadToEndAsync(ct);
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return await stdout + await stderr;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _root.Delete(recursive: true);
    }
}
