using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes.Local;
using AgentRuntime.Testing.Modal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Modal.Tests;

/// <summary>The local provider (bubblewrap), with sandboxes under a private temporary directory.</summary>
public sealed class LocalProviderFixture : ISandboxProviderFixture, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("art-local-");
    private readonly ServiceProvider _services;

    public LocalProviderFixture()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        new Builder(services).AddLocalSandbox(o => o.RootDirectory = Path.Combine(_directory.FullName, "sandboxes"));
        _services = services.BuildServiceProvider();
        Provider = _services.GetRequiredService<ISandboxProvider>();
    }

    public ISandboxProvider Provider { get; }

    public void Dispose()
    {
        _services.Dispose();
        _directory.Delete(recursive: true);
    }

    private sealed class Builder(IServiceCollection services) : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

/// <summary>The Modal provider, talking to the Modal-compatible fake over cleartext HTTP/2 on loopback.</summary>
public sealed class ModalProviderFixture : ISandboxProviderFixture, IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("art-modal-");
    private ModalSandboxProvider? _provider;

    public FakeModalServer Server { get; private set; } = null!;

    public ISandboxProvider Provider => _provider!;

    public async ValueTask InitializeAsync()
    {
        Server = await FakeModalServer.StartAsync(_directory.FullName);
        _provider = CreateProvider();
    }

    /// <summary>A provider of its own (as after a server restart), with the fake's credentials unless others are given.</summary>
    internal ModalSandboxProvider CreateProvider(Action<ModalSandboxOptions>? configure = null)
    {
        var options = new ModalSandboxOptions
        {
            ServerUrl = Server.Address,
            TokenId = Server.TokenId,
            TokenSecret = Server.TokenSecret,
            AppName = "agent-runtime-tests",
            RetryDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return new ModalSandboxProvider(
            Options.Create(options),
            Options.Create(new AgentRuntimeOptions { PublicUrl = new Uri("http://127.0.0.1:9") }),
            new ModelRelay(),
            new ServiceCollection().BuildServiceProvider(),
            TimeProvider.System,
            NullLogger<ModalSandboxProvider>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        _provider?.Dispose();
        await Server.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}

public sealed class LocalProviderConformanceTests(LocalProviderFixture fixture)
    : SandboxProviderConformanceTests<LocalProviderFixture>(fixture), IClassFixture<LocalProviderFixture>;

public sealed class ModalProviderConformanceTests(ModalProviderFixture fixture)
    : SandboxProviderConformanceTests<ModalProviderFixture>(fixture), IClassFixture<ModalProviderFixture>;
