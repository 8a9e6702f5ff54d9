using System.Net.Http.Json;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Hosts;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>The server process is killed (SIGKILL) in the middle of a turn and started again on the same data.</summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("agent-runtime-crash-");
    private ScriptedModelServer _model = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync(Token);

    public async ValueTask DisposeAsync()
    {
        await _model.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task ServerKilledMidTurn_OnRestartTheTurnIsFailedItsToolClosedAndTheMessageReachesTheAgentNextTurn()
    {
        string sessionId;
        long seqBeforeCrash;
        await using (var first = await HostProcess.StartAsync(_data.FullName, _model))
        {
            sessionId = (await CreateSessionAsync(first)).SessionId;
            await using var events = new EventCollector(ct => SseClient.ReadAsync(first.Http, sessionId, 0, ct));
            _model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 60", description = "Wait", timeout = 120000 }), Reply.Text("Never sent."));
            await SendAsync(first, sessionId, "Please wait for PAPAYA");
            await events.WaitForAsync<BlockStartEvent>(e => e.Block is ToolUseBlock, TimeSpan.FromSeconds(90));
            seqBeforeCrash = events.Events[^1].Seq;

            await first.KillAsync();
        }

        await using var second = await HostProcess.StartAsync(_data.FullName, _model);
        var detail = (await second.Http.GetFromJsonAsync($"/api/sessions/{sessionId}", AgentRuntimeJsonContext.Default.SessionDetail, Token))!;
        var log = (await second.Http.GetFromJsonAsync($"/api/sessions/{sessionId}/events?after=0", AgentRuntimeJsonContext.Default.IReadOnlyListSessionEvent, Token))!;

        Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Seq));
        Assert.True(log.Count > seqBeforeCrash);
        Assert.IsType<TurnFailedEvent>(log.Last(e => e is TurnStartedEvent or TurnFailedEvent or TurnCompletedEvent));
        Assert.Single(log.OfType<TurnFailedEvent>());
        var error = Assert.Single(detail.Blocks.OfType<ErrorBlock>());
        Assert.Equal("server_restarted", error.Code);
        Assert.Equal(ToolStatus.Error, Assert.Single(detail.Blocks.OfType<ToolUseBlock>()).Status);
        Assert.Equal(Sessions.TurnState.Idle, detail.TurnState);

        _model.Enqueue(Reply.Text("You asked me to wait for PAPAYA."));
        await using var after = new EventCollector(ct => SseClient.ReadAsync(second.Http, sessionId, log[^1].Seq, ct));
        var turnId = await SendAsync(second, sessionId, "What did I ask?");
        await after.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(90));
        Assert.True(_model.ConversationRequests[^1].MessagesContain("Please wait for PAPAYA"), "the interrupted message reaches the agent with the next one");
        var shown = (await second.Http.GetFromJsonAsync($"/api/sessions/{sessionId}", AgentRuntimeJsonContext.Default.SessionDetail, Token))!;
        Assert.Equal("What did I ask?", shown.Blocks.OfType<UserMessageBlock>().Last().Content);
    }

    private static async Task<Sessions.SessionListItem> CreateSessionAsync(HostProcess host)
    {
        var response = await host.Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk" }, Token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, Token))!;
    }

    private static async Task<string> SendAsync(HostProcess host, string sessionId, string content)
    {
        var response = await host.Http.PostAsJsonAsync($"/api/sessions/{sessionId}/messages", new { content }, Token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.TurnAccepted, Token))!.TurnId;
    }
}
