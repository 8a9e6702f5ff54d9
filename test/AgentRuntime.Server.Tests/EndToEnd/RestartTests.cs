using System.Net.Http.Json;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class RestartTests : ServerTest
{
    [Fact]
    public async Task ServerRestart_OnTheSameDatabase_KeepsBlocksReplaysTheLogAndContinuesTheConversation()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(
            Reply.ToolUse("Write", new { file_path = "notes.md", content = "# Notes\nKIWI\n" }).WithText("Writing notes."),
            Reply.Text("Notes written."),
            Reply.Text("Second answer."));
        var turn1 = await Server.SendMessageAsync(session.SessionId, "Write notes with the word KIWI");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1);
        var turn2 = await Server.SendMessageAsync(session.SessionId, "Anything else?");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2);
        var before = await Server.GetSessionAsync(session.SessionId);

        await RestartServerAsync();

        var after = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(Json(before.Blocks), Json(after.Blocks));
        // Shutting the first host down logged the sandbox's termination and the unload, and nothing else.
        Assert.True(after.LastSeq > before.LastSeq);
        var shutdownEvents = await ReadEventsAsync(session.SessionId, before.LastSeq);
        Assert.All(shutdownEvents, e => Assert.IsType<StatusEvent>(e));
        Assert.Equal(after.LastSeq - before.LastSeq, shutdownEvents.Count);
        Assert.Contains(after.WorkspaceFiles, f => f.Path == "notes.md");

        var replay = await SubscribeHubAsync(session.SessionId, afterSeq: 0);
        await replay.WaitForAsync<SessionEvent>(e => e.Seq == after.LastSeq);
        Assert.Equal(Enumerable.Range(1, (int)after.LastSeq).Select(i => (long)i), replay.Events.Take((int)after.LastSeq).Select(e => e.Seq));

        Model.Enqueue(Reply.Text("Third answer, still remembering KIWI."));
        var turn3 = await Server.SendMessageAsync(session.SessionId, "Which word did the notes have?");
        await replay.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn3);
        var third = Model.ConversationRequests[^1];
        Assert.True(third.MessagesContain("Write notes with the word KIWI"), "the resumed CLI should send the first turn's messages");
        Assert.True(third.MessagesContain("Second answer."), "the resumed CLI should send the second turn's answer");
        var statuses = replay.Events.OfType<StatusEvent>().Where(e => e.Seq > before.LastSeq).Select(e => e.Runtime.Sandbox).ToList();
        Assert.Contains(statuses, s => s is { Status: Sessions.SandboxStatus.Ready, RestartCount: 1 });
        Assert.Equal("# Notes\nKIWI\n", await File.ReadAllTextAsync(
            Path.Combine(DataDirectory, "sandboxes", session.SessionId, "workspace", "notes.md"), TestContext.Current.CancellationToken));
    }

    private async Task<IReadOnlyList<SessionEvent>> ReadEventsAsync(string sessionId, long after) =>
        (await Server.Http.GetFromJsonAsync($"/api/sessions/{sessionId}/events?after={after}", AgentRuntimeJsonContext.Default.IReadOnlyListSessionEvent, TestContext.Current.CancellationToken))!;

    private static string Json(IReadOnlyList<Blocks.ConversationBlock> blocks) =>
        JsonSerializer.Serialize(blocks, AgentRuntimeJsonContext.Default.IReadOnlyListConversationBlock);
}
