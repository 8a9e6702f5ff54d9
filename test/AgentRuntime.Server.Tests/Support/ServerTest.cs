using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Hosts;
using Microsoft.AspNetCore.SignalR.Client;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>A scripted model server, a data directory and a running host for each test.</summary>
public abstract class ServerTest : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    // A private (0700) directory, as mktemp -d makes one: sandboxes must work under it.
    internal string DataDirectory { get; } = Directory.CreateTempSubdirectory("agent-runtime-tests-").FullName;

    internal ScriptedModelServer Model { get; private set; } = null!;

    internal RunningServer Server { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>Changes to the host's builder beyond settings (a logger provider, say).</summary>
    internal virtual void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
    }

    public virtual async ValueTask InitializeAsync()
    {
        Model = await ScriptedModelServer.StartAsync(TestContext.Current.CancellationToken);
        Server = await RunningServer.StartAsync(DataDirectory, Model, Settings, ConfigureHost);
    }

    /// <summary>Stops the host and starts a new one on the same data directory.</summary>
    internal async Task RestartServerAsync()
    {
        await Server.DisposeAsync();
        Server = await RunningServer.StartAsync(DataDirectory, Model, Settings, ConfigureHost);
    }

    /// <summary>Subscribes through the SignalR hub; disposed with the test.</summary>
    internal async Task<EventCollector> SubscribeHubAsync(string sessionId, long afterSeq = 0)
    {
        var connection = Server.CreateHubConnection();
        await connection.StartAsync().WaitAsync(RunningServer.Timeout);
        _disposables.Add(connection);
        return Track(new EventCollector(ct => connection.StreamAsync<SessionEvent>("SubscribeSession", sessionId, afterSeq, ct)));
    }

    /// <summary>
    /// Has the agent run one shell command through the real CLI's Bash tool and returns what the tool reported, with
    /// the events of the turn.
    /// </summary>
    internal async Task<(ToolResultBlock Result, EventCollector Events)> RunBashAsync(string sessionId, string command, EventCollector? events = null)
    {
        events ??= await SubscribeHubAsync(sessionId);
        Model.Enqueue(Reply.ToolUse("Bash", new { command, description = "Run a command", timeout = 60000 }), Reply.Text("Ran it."));
        var turnId = await Server.SendMessageAsync(sessionId, $"Please run: {command}");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(120));
        var toolUseId = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolUseBlock>().Last().ToolUseId;
        var result = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single(r => r.ToolUseId == toolUseId);
        return (result, events);
    }

    /// <summary>Subscribes through SSE; disposed with the test.</summary>
    internal EventCollector SubscribeSse(string sessionId, long afterSeq = 0) =>
        Track(new EventCollector(ct => SseClient.ReadAsync(Server.Http, sessionId, afterSeq, ct)));

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        await Server.DisposeAsync();
        await Model.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    private EventCollector Track(EventCollector collector)
    {
        _disposables.Add(collector);
        return collector;
    }
}
