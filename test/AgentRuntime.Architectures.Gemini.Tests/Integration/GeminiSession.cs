using AgentRuntime.Events;
using AgentRuntime.Gateway;
using AgentRuntime.Hosting;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using AgentRuntime.Testing.Gemini;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

/// <summary>
/// The real Gemini CLI in a real local sandbox, talking to a scripted Gemini API: the architecture as the runtime
/// registers it (<c>AddGeminiCli</c>, <c>AddLocalSandbox</c>), with every wait bounded. The model is pinned, so the
/// CLI asks no routing model first.
/// </summary>
internal sealed class GeminiSession : IAsyncDisposable
{
    public const string Model = "gemini-2.5-flash";
    public static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    private readonly ServiceProvider _services;
    private ISandboxGatewayLease _lease;
    private readonly string _root;

    private GeminiSession(ScriptedGeminiServer server, ServiceProvider services, string root, ISandbox sandbox, SessionRecord session, ISandboxGatewayLease lease)
    {
        _lease = lease;
        Server = server;
        _services = services;
        _root = root;
        Sandbox = sandbox;
        Session = session;
        Architecture = services.GetServices<IAgentArchitecture>().Single(a => a.Name == "gemini-cli");
    }

    public ScriptedGeminiServer Server { get; }

    public IAgentArchitecture Architecture { get; }

    public ISandbox Sandbox { get; private set; }

    public SessionRecord Session { get; }

    public static AgentProfile Profile { get; } = new() { Id = "default", Name = "Default" };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static async Task<GeminiSession> StartAsync(Action<GeminiCliOptions>? configure = null)
    {
        var server = await ScriptedGeminiServer.StartAsync(Token).WaitAsync(StepTimeout, Token);
        var root = Path.Combine(Path.GetTempPath(), "gemini-tests", Guid.NewGuid().ToString("N")[..8]);
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging();
        new TestRuntimeBuilder(services)
            .AddSandboxGateway()
            .AddLocalSandbox(o => o.RootDirectory = root)
            .AddGeminiCli(o =>
            {
                o.ApiKey = "gemini-scripted-key";
                o.BaseUrl = server.BaseUrl;
                o.Model = Model;
                o.TurnTimeout = TurnTimeout;
                configure?.Invoke(o);
            });
        var provider = services.BuildServiceProvider(validateScopes: true);
        var session = NewSession();
        var lease = OpenLease(provider, session.SessionId);
        var sandbox = await provider.GetRequiredService<ISandboxProvider>().CreateAsync(new SandboxRequest { SessionId = session.SessionId, Bridge = lease }, Token).WaitAsync(StepTimeout, Token);
        return new GeminiSession(server, provider, root, sandbox, session, lease);
    }

    public static SessionRecord NewSession() => new()
    {
        SessionId = Guid.NewGuid().ToString(),
        Architecture = "gemini-cli",
        AgentProfileRef = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastActivity = DateTimeOffset.UnixEpoch,
    };

    public Task<IAgentConnection> ConnectAsync(bool resume = false, AgentProfile? profile = null, Approvals.PermissionMode permissionMode = Approvals.PermissionMode.Bypass, IReadOnlyDictionary<string, string>? secrets = null) =>
        Architecture.ConnectAsync(new AgentConnectContext { Sandbox = Sandbox, Session = Session, Profile = profile ?? Profile, Resume = resume, ModelAccess = _lease, PermissionMode = permissionMode, Secrets = secrets ?? new Dictionary<string, string>() }, Token)
            .WaitAsync(StepTimeout, Token);

    /// <summary>Runs a turn to its end and returns its events.</summary>
    public static async Task<List<SessionEvent>> RunTurnAsync(IAgentConnection connection, string content)
    {
        var events = new List<SessionEvent>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TurnTimeout);
        await foreach (var e in connection.RunTurnAsync(new AgentTurn(Guid.NewGuid().ToString("N"), content), deadline.Token).SelectMany(batch => batch))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>The session's native files as the runtime would persist them after a turn.</summary>
    public async Task<IReadOnlyList<NativeTranscriptFile>> ReadTranscriptAsync()
    {
        var files = new List<NativeTranscriptFile>();
        foreach (var directory in Architecture.GetTranscriptDirectories(Sandbox, Session))
        {
            foreach (var entry in await Sandbox.ListFilesAsync(SandboxRoot.Home, directory, Token).WaitAsync(StepTimeout, Token))
            {
                var content = await Sandbox.ReadFileAsync(SandboxRoot.Home, entry.RelativePath, Token).WaitAsync(StepTimeout, Token);
                files.Add(new NativeTranscriptFile(entry.RelativePath, content!));
            }
        }

        return files;
    }

    /// <summary>Terminates the sandbox and starts a fresh one for the same session with <paramref name="restore"/> in its home.</summary>
    public async Task RecreateSandboxAsync(IReadOnlyList<NativeTranscriptFile> restore)
    {
        await Sandbox.TerminateAsync(Token).WaitAsync(StepTimeout, Token);
        _lease.Dispose();
        _lease = OpenLease(_services, Session.SessionId);
        Sandbox = await _services.GetRequiredService<ISandboxProvider>().CreateAsync(new SandboxRequest { SessionId = Session.SessionId, Bridge = _lease }, Token).WaitAsync(StepTimeout, Token);
        foreach (var file in restore)
        {
            await Sandbox.WriteFileAsync(SandboxRoot.Home, file.RelativePath, file.Content, Token).WaitAsync(StepTimeout, Token);
        }
    }

    /// <summary>The model proxy's way into a sandbox, as a session opens it: the CLI gets a token, never the key.</summary>
    private static ISandboxGatewayLease OpenLease(IServiceProvider services, string sessionId) =>
        services.GetRequiredService<ISandboxGateway>().Open(new SandboxGatewayRequest { SessionId = sessionId, Network = SandboxNetworkPolicy.ModelOnly });

    public async ValueTask DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        _lease.Dispose();
        await _services.DisposeAsync();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The sandbox took its directory with it.
        }
    }
}
