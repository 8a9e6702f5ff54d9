using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>A scripted Gemini API, started before the server so its address can go into the server's settings.</summary>
public sealed class GeminiModel : IAsyncLifetime
{
    public ScriptedGeminiServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await ScriptedGeminiServer.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The server end to end with the real Gemini CLI over ACP in a bubblewrap sandbox.</summary>
public sealed class GeminiConversationTests(GeminiModel gemini) : ServerTest, IClassFixture<GeminiModel>
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Gemini:BaseUrl"] = gemini.Server.BaseUrl,
        ["AgentRuntime:Gemini:ApiKey"] = "gemini-test-key",
        ["AgentRuntime:Gemini:Model"] = "gemini-2.5-flash",
    };

    [Fact]
    public async Task Conversation_WithTheGeminiCli_RunsAShellToolSurvivesARestartAndResumes()
    {
        var session = await Server.CreateSessionAsync("gemini-cli");
        var hub = await SubscribeHubAsync(session.SessionId);
        gemini.Server.Enqueue(
            GeminiReply.Shell("echo kiwi > fruit.txt && cat fruit.txt", "Note the fruit").WithText("Noting it."),
            GeminiReply.Text("Noted: KIWI."));
        var turn1 = await Server.SendMessageAsync(session.SessionId, "Remember KIWI in fruit.txt");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1, TimeSpan.FromSeconds(120));

        Assert.Contains(hub.Events.OfType<BlockDeltaEvent>(), d => d.ConversationId == "main");
        var tool = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single();
        Assert.Contains("kiwi", tool.Output);
        Assert.Contains(hub.Events.OfType<FileCreatedEvent>(), e => e.Path == "fruit.txt" && e.Content == "kiwi\n");
        Assert.Contains(hub.Events.OfType<MetadataUpdateEvent>(), e => e.Metadata.Usage.OutputTokens > 0);

        await RestartServerAsync();

        var replay = await SubscribeHubAsync(session.SessionId, afterSeq: 0);
        gemini.Server.Enqueue(GeminiReply.Text("You said KIWI."));
        var turn2 = await Server.SendMessageAsync(session.SessionId, "What did I ask you to remember?");
        await replay.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2, TimeSpan.FromSeconds(120));

        var resumed = string.Join('\n', gemini.Server.ConversationRequests[^1].Contents.Select(c => c.ToJsonString()));
        Assert.Contains("Remember KIWI in fruit.txt", resumed);
        Assert.Contains("Noted: KIWI.", resumed);
        Assert.Equal(Enumerable.Range(1, replay.Events.Count).Select(i => (long)i), replay.Events.Select(e => e.Seq));
        Assert.Contains((await Server.GetSessionAsync(session.SessionId)).Blocks.OfType<AssistantTextBlock>(), b => b.Content == "You said KIWI.");
    }

    [Fact]
    public async Task GeminiAgent_LookingForItsKey_FindsOnlyATokenThatTheModelNeverSees()
    {
        var session = await Server.CreateSessionAsync("gemini-cli");
        var hub = await SubscribeHubAsync(session.SessionId);
        gemini.Server.Enqueue(
            GeminiReply.Shell("k=gemini-test; env | grep -E '^(GEMINI|GOOGLE)'; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c \"$k-key\"; grep -r -l \"$k-key\" ~ /workspace /tmp 2>/dev/null | wc -l", "Look for the key"),
            GeminiReply.Text("Looked."));
        var turn = await Server.SendMessageAsync(session.SessionId, "Find your key");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn, TimeSpan.FromSeconds(120));

        var output = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single().Output;
        Assert.DoesNotContain("gemini-test-key", output);
        var token = output.Split('\n').Single(l => l.StartsWith("GEMINI_API_KEY=", StringComparison.Ordinal))["GEMINI_API_KEY=".Length..];
        Assert.Contains("GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:4780", output);
        Assert.All(gemini.Server.Requests.Where(r => r.IsGenerate), r => Assert.Equal("gemini-test-key", r.Headers["x-goog-api-key"]));
        Assert.DoesNotContain(gemini.Server.Requests, r => r.Headers.Values.Any(v => v.Contains(token, StringComparison.Ordinal)) || r.Query.Contains(token, StringComparison.Ordinal));
    }
}
