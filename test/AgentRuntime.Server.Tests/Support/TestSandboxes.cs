using System.Text;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>The real local sandbox provider, registered as the host registers it, for tests below the agent.</summary>
internal sealed class TestSandboxes : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _root;

    private TestSandboxes(ServiceProvider services, string root)
    {
        _services = services;
        _root = root;
    }

    public ISandboxProvider Provider => _services.GetRequiredService<ISandboxProvider>();

    public static Task<TestSandboxes> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "agent-runtime-sandboxes", Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddAgentRuntimeCore(o => o.DataDirectory = root).AddLocalSandbox();
        return Task.FromResult(new TestSandboxes(services.BuildServiceProvider(), root));
    }

    /// <summary>Runs a shell command in a new sandbox and returns its standard output and error.</summary>
    public async Task<string> RunAsync(SandboxNetwork network, string command, CancellationToken ct)
    {
        await using var sandbox = await Provider.CreateAsync(new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = network }, ct);
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
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
