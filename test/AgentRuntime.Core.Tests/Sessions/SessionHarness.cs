using System.Collections.Concurrent;
using AgentRuntime.Architectures;
using AgentRuntime.Cluster;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes.Local;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>
/// A session manager over the echo architecture, a local sandbox provider (no isolation needed: the echo agent runs
/// no process), an in-memory store and a fake clock; with helpers to create sessions and watch their events.
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-core-tests-").FullName;
    private readonly IHost _host;

    /// <param name="configure">Changes the options.</param>
    /// <param name="store">A store shared with another harness (a second server on the same data), else a new one.</param>
    /// <param name="time">A clock shared with another harness, else a new one that only the test advances.</param>
    /// <param name="limits">The tenants' limits; they may be changed until a tenant first takes a turn or a sandbox.</param>
    /// <param name="sandboxes">Wraps the local sandbox provider (to hold or observe sandboxes).</param>
    /// <param name="secrets">The runtime's secrets (<c>AgentRuntime:Secrets</c>), by name.</param>
    public SessionHarness(
        Action<AgentRuntimeOptions>? configure = null,
        InMemoryAgentStore? store = null,
        FakeTimeProvider? time = null,
        TenantLimitOptions? limits = null,
        Func<ISandboxProvider, ISandboxProvider>? sandboxes = null,
        IReadOnlyDictionary<string, string>? secrets = null)
    {
        Store = store ?? new InMemoryAgentStore();
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        Options = new AgentRuntimeOptions
        {
            DataDirectory = _dataDirectory,
            SandboxIdleTimeout = TimeSpan.FromMinutes(5),
            SessionIdleTimeout = TimeSpan.FromMinutes(30),
            HealthCheckInterval = TimeSpan.FromMinutes(1),
        };
        configure?.Invoke(Options);
        var local = new LocalSandboxProvider(Microsoft.Extensions.Options.Options.Create(new LocalSandboxOptions()), Microsoft.Extensions.Options.Options.Create(Options), NullLogger<LocalSandboxProvider>.Instance);
        var services = new SessionServices(
            Store, sandboxes?.Invoke(local) ?? local, null, new Dictionary<string, IAgentArchitecture> { ["echo"] = Architecture }, Time, Options, new SessionListFeed(),
            new TenantQuotas(limits ?? new TenantLimitOptions(), Store), new EventCommitter(Store), NullLoggerFactory.Instance,
            new ProfileSecrets(new ConfigurationBuilder()
                .AddInMemoryCollection((secrets ?? new Dictionary<string, string>()).Select(s => KeyValuePair.Create($"{ProfileSecrets.SectionName}:{s.Key}", (string?)s.Value)))
                .Build()));

        // Sessions are grains, as in the server: a silo of its own in this process hosts them.
        _host = new HostBuilder()
            .ConfigureServices(s => s.AddSingleton(services).AddSingleton<LocalSessions>().AddSingleton<SessionManager>().AddEmbeddedSessionSilo())
            .Build();
        Task.Run(() => _host.StartAsync()).Wait(Timeout);
        Manager = _host.Services.GetRequiredService<SessionManager>();
    }

    /// <summary>The runtime's data directory (a private temporary one), where local sandboxes live.</summary>
    public string DataDirectory => _dataDirectory;

    public InMemoryAgentStore Store { get; }

    public FakeTimeProvider Time { get; }

    public AgentRuntimeOptions Options { get; }

    public EchoArchitecture Architecture { get; } = new();

    public SessionManager Manager { get; }

    public async Task<SessionListItem> CreateSessionAsync(CancellationToken ct, AgentProfile? profile = null)
    {
        // The echo agent answers by itself: its sandbox needs no model, so no gateway and no network.
        await Store.SaveProfileAsync(profile ?? new AgentProfile { Id = "default", Name = "Default", Network = Sandboxes.SandboxNetworkPolicy.None }, ct);
        return await Manager.CreateSessionAsync(new CreateSessionRequest { AgentProfileRef = profile?.Id ?? "default", Architecture = "echo" }, ct);
    }

    /// <summary>The session's events from seq 1 on, as they come (a queue, since tests read it while it fills).</summary>
    public ConcurrentQueue<SessionEvent> Collect(string sessionId, CancellationToken ct)
    {
        var events = new ConcurrentQueue<SessionEvent>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in Manager.SubscribeAsync(sessionId, 0, ct))
            {
                events.Enqueue(e);
            }
        }, ct);
        return events;
    }

    public async Task<string> SendAndWaitAsync(string sessionId, string content, ConcurrentQueue<SessionEvent> events, CancellationToken ct)
    {
        var turnId = await Manager.SendMessageAsync(sessionId, content, ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => events.Any(e => e is TurnCompletedEvent c && c.TurnId == turnId || e is TurnFailedEvent f && f.TurnId == turnId), ct);
        return turnId;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a condition");
            await Task.Delay(10, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        await _host.StopAsync(Timeout);
        _host.Dispose();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
