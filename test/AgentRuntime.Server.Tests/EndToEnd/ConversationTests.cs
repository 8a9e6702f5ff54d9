using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class ConversationTests : ServerTest
{
    [Fact]
    public async Task Message_WithBashToolCall_StreamsTheSameBlocksToSignalRAndSse()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        var sse = SubscribeSse(session.SessionId);
        Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo made-by-agent > hello.txt && cat hello.txt", description = "Write a file" })
                .WithText("I will create the file now."),
            Reply.Text("The file hello.txt is created."));

        var turnId = await Server.SendMessageAsync(session.SessionId, "Create hello.txt please");

        foreach (var subscriber in new[] { hub, sse })
        {
            await subscriber.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
            var events = subscriber.Events;
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));

            var text = events.OfType<BlockStartEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().First();
            Assert.Contains(events.OfType<BlockDeltaEvent>(), d => d.BlockId == text.Id);
            Assert.Contains(events.OfType<BlockCompleteEvent>(), c => c.Block is AssistantTextBlock { Content: "I will create the file now." } && c.BlockId == text.Id);

            var toolUse = events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolUseBlock>().Single(b => b.ToolName == "Bash");
            Assert.Equal(ToolStatus.Running, toolUse.Status);
            Assert.Contains(events.OfType<BlockUpdateEvent>(), u => u.BlockId == toolUse.Id && u.Updates.Status == ToolStatus.Success);
            var result = events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single();
            Assert.Equal(toolUse.ToolUseId, result.ToolUseId);
            Assert.Contains("made-by-agent", result.Output);
            Assert.False(result.IsError);
        }

        Assert.Equal(
            hub.Events.Select(e => (e.Seq, e.GetType())).ToList(),
            sse.Events.Take(hub.Events.Count).Select(e => (e.Seq, e.GetType())).ToList());

        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Contains(detail.WorkspaceFiles, f => f.Path == "hello.txt" && f.Size == "made-by-agent\n".Length);
        var workspaceFile = Path.Combine(DataDirectory, "sandboxes", session.SessionId, "workspace", "hello.txt");
        Assert.Equal("made-by-agent\n", await File.ReadAllTextAsync(workspaceFile, TestContext.Current.CancellationToken));
        Assert.Equal(TurnState.Idle, detail.TurnState);
        Assert.True(detail.Metadata!.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task Message_WithAgentToolCall_ShowsASubagentBlockWithItsOwnThread()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Respond(request => request.IsSubagent ? Reply.Text("Subagent found 42 files.") : null);
        Model.Enqueue(Reply.Agent("Count the files in the workspace", description: "Count files"), Reply.Text("The subagent says 42."));

        var turnId = await Server.SendMessageAsync(session.SessionId, "Delegate counting to a subagent");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        var detail = await Server.GetSessionAsync(session.SessionId);
        var subagent = Assert.Single(detail.Blocks.OfType<SubagentBlock>());
        Assert.Equal(ToolStatus.Success, subagent.Status);
        Assert.Contains("42", subagent.Output);
        var thread = Assert.Single(detail.Subagents);
        Assert.Equal(subagent.SubagentId, thread.Id);
        Assert.Contains(thread.Blocks.OfType<AssistantTextBlock>(), b => b.Content.Contains("Subagent found 42 files.", StringComparison.Ordinal));
        Assert.Contains(hub.Events.OfType<BlockStartEvent>(), e => e.ConversationId == subagent.SubagentId);
    }

    [Fact]
    public async Task SecondTurn_InTheSameSession_ResumesTheConversationWithoutRestartingTheCli()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("First answer: the secret word is PAPAYA."), Reply.Text("You told me PAPAYA."));

        var first = Stopwatch.StartNew();
        var turn1 = await Server.SendMessageAsync(session.SessionId, "Remember the word PAPAYA");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1);
        first.Stop();

        var second = Stopwatch.StartNew();
        var turn2 = await Server.SendMessageAsync(session.SessionId, "What was the word?");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2);
        second.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Turn timings: first {first.ElapsedMilliseconds} ms (sandbox + CLI start), second {second.ElapsedMilliseconds} ms (CLI kept alive)");
        var lastRequest = Model.ConversationRequests[^1];
        Assert.True(lastRequest.MessagesContain("Remember the word PAPAYA"));
        Assert.True(lastRequest.MessagesContain("First answer: the secret word is PAPAYA."));
        Assert.True(second.Elapsed < first.Elapsed, $"second turn {second.Elapsed} should be faster than the first {first.Elapsed}");
        var statuses = hub.Events.OfType<StatusEvent>().Select(e => e.Runtime.Sandbox?.Status).ToList();
        Assert.Equal([SandboxStatus.Starting, SandboxStatus.Ready], statuses);
    }

    [Fact]
    public async Task SubscribeAfterSeq_InTheMiddleOfAStream_HasNoGapAndNoDuplicateAtTheSeam()
    {
        var session = await Server.CreateSessionAsync();
        var full = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text(string.Join(' ', Enumerable.Range(1, 60).Select(i => $"word{i}"))).WithPieces(40).WithChunkDelay(TimeSpan.FromMilliseconds(40)));

        var turnId = await Server.SendMessageAsync(session.SessionId, "Stream slowly");
        var midway = await full.WaitForAsync<BlockDeltaEvent>(_ => full.Events.OfType<BlockDeltaEvent>().Count() >= 5);
        var k = midway.Seq;
        var late = await SubscribeHubAsync(session.SessionId, afterSeq: k);
        var lateSse = SubscribeSse(session.SessionId, afterSeq: k);
        await full.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        await late.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);
        await lateSse.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        var expected = full.Events.Where(e => e.Seq > k).Select(e => e.Seq).ToList();
        Assert.True(expected.Count > 5, "the late subscriber joined too late to test the seam");
        Assert.Equal(expected, late.Events.Select(e => e.Seq));
        Assert.Equal(expected, lateSse.Events.Select(e => e.Seq));
    }
}
