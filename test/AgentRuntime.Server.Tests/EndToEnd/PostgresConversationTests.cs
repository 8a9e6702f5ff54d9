using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>A real PostgreSQL on loopback, started for the test class and stopped after it.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken);
        ConnectionString = await _server.CreateDatabaseAsync("runtime_e2e", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The server end to end — real CLI, scripted model — with PostgreSQL as its store.</summary>
public sealed class PostgresConversationTests(PostgresDatabase database) : ServerTest, IClassFixture<PostgresDatabase>
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Store"] = "postgres",
        ["AgentRuntime:Postgres:ConnectionString"] = database.ConnectionString,
    };

    [Fact]
    public async Task Conversation_OnPostgres_StreamsPersistsAndResumesAfterARestart()
    {
        var session = await Server.CreateSessionAsync();
        var (result, events) = await RunBashAsync(session.SessionId, "echo stored-in-postgres > pg.txt && cat pg.txt");
        Assert.Contains("stored-in-postgres", result.Output);
        Assert.Contains(events.Events.OfType<FileCreatedEvent>(), e => e.Path == "pg.txt");
        var before = await Server.GetSessionAsync(session.SessionId);

        await RestartServerAsync();

        var after = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(before.Blocks.Select(b => (b.Id, b.GetType())), after.Blocks.Select(b => (b.Id, b.GetType())));
        Assert.Contains(after.WorkspaceFiles, f => f.Path == "pg.txt");
        var replay = await SubscribeHubAsync(session.SessionId, afterSeq: 0);
        Model.Enqueue(Reply.Text("Still here."));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Are you still there?");
        await replay.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        Assert.Equal(Enumerable.Range(1, replay.Events.Count).Select(i => (long)i), replay.Events.Select(e => e.Seq));
        Assert.True(Model.ConversationRequests[^1].MessagesContain("stored-in-postgres"), "the resumed agent should see the first turn's tool output");
        Assert.Contains((await Server.GetSessionAsync(session.SessionId)).Blocks.OfType<AssistantTextBlock>(), b => b.Content == "Still here.");
    }
}
