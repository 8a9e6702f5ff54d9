using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp.Tests.Connection;

/// <summary>The generic <c>acp</c> architecture in a memory sandbox whose process is a hand-driven fake agent.</summary>
internal sealed class AcpAgentHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public AcpAgentHarness(Action<AcpAgentOptions>? configure = null)
    {
        var options = new AcpAgentOptions { Command = "fake-agent", Args = ["--acp"], Env = new() { ["AGENT_KEY"] = "k" }, TurnTimeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        Architecture = new AcpArchitecture(Options.Create(options), TimeProvider.System, NullLogger<AcpArchitecture>.Instance);
        Sandbox.Start = _ => Process;
    }

    public AcpArchitecture Architecture { get; }

    public MemorySandbox Sandbox { get; } = new();

    public FakeAgentProcess Process { get; } = new(new FakeAcpAgent());

    public FakeAcpAgent Agent => Process.Agent;

    /// <summary>The connection made, disposed with the harness (after the fake agent exits, as a real one does when its input closes).</summary>
    public IAgentConnection? Connection { get; private set; }

    public SessionRecord Session { get; } = new()
    {
        SessionId = "11111111-2222-3333-4444-555555555555",
        Architecture = "acp",
        AgentProfileRef = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastActivity = DateTimeOffset.UnixEpoch,
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Connects while the fake agent answers initialize and session/new (or session/load when resuming).</summary>
    public async Task<IAgentConnection> ConnectAsync(bool resume = false, AgentProfile? profile = null, Func<Task>? agentSide = null, Approvals.PermissionMode permissionMode = Approvals.PermissionMode.Bypass, IReadOnlyDictionary<string, string>? secrets = null)
    {
        var connecting = Architecture.ConnectAsync(new AgentConnectContext
        {
            Sandbox = Sandbox,
            Session = Session,
            Profile = profile ?? new AgentProfile { Id = "default", Name = "Default" },
            Resume = resume,
            PermissionMode = permissionMode,
            Secrets = secrets ?? new Dictionary<string, string>(),
        }, Token);
        await (agentSide ?? (() => HandshakeAsync()))().WaitAsync(Bound, Token);
        Connection = await connecting.WaitAsync(Bound, Token);
        return Connection;
    }

    public async Task HandshakeAsync(string sessionId = "acp-1", bool loadSession = true)
    {
        var init = await Agent.ExpectAsync("initialize");
        await Agent.RespondAsync(init["id"], new JsonObject { ["protocolVersion"] = 1, ["agentCapabilities"] = new JsonObject { ["loadSession"] = loadSession } });
        var created = await Agent.ExpectAsync("session/new");
        await Agent.RespondAsync(created["id"], new JsonObject { ["sessionId"] = sessionId });
    }

    /// <summary>Runs a turn while <paramref name="agentSide"/> plays the agent's part; returns the turn's events.</summary>
    public static async Task<List<SessionEvent>> RunTurnAsync(IAgentConnection connection, string content, Func<JsonObject, Task> agentSide, FakeAcpAgent agent)
    {
        var events = new List<SessionEvent>();
        async Task RunAsync()
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("turn", content), Token).SelectMany(batch => batch))
            {
                events.Add(e);
            }
        }

        var turn = RunAsync();
        var prompt = await agent.ExpectAsync("session/prompt");
        await agentSide(prompt).WaitAsync(Bound, Token);
        await turn.WaitAsync(Bound, Token);
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        Process.Exit(0);
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        await Process.DisposeAsync();
    }
}
