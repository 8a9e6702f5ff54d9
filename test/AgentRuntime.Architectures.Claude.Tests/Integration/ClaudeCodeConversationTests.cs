using System.Diagnostics;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

public sealed class ClaudeCodeConversationTests
{
    [Fact]
    public async Task RunTurn_SecondTurnInTheSameProcess_SendsTheFirstTurnAsHistory()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("First answer: the word is PAPAYA."), Reply.Text("You told me PAPAYA."));
        var watch = Stopwatch.StartNew();
        await using var connection = await claude.ConnectAsync();

        var first = await ClaudeSession.RunTurnAsync(connection, "Remember the word PAPAYA");
        var firstTurn = watch.Elapsed;
        watch.Restart();
        var second = await ClaudeSession.RunTurnAsync(connection, "Which word?");
        var secondTurn = watch.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine($"first turn (with CLI start) {firstTurn.TotalMilliseconds:F0} ms, second turn {secondTurn.TotalMilliseconds:F0} ms");
        Assert.False(connection.Exited.IsCompleted);
        Assert.Equal("You told me PAPAYA.", LastText(second));
        var requests = claude.Model.ConversationRequests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].MessagesContain("Remember the word PAPAYA"));
        Assert.Contains("First answer: the word is PAPAYA.", requests[1].TextsOf("assistant"));
        Assert.Equal("Which word?", requests[1].LastUserText);
        var totals = second.OfType<MetadataUpdateEvent>().Single().Metadata;
        Assert.Equal(first.OfType<MetadataUpdateEvent>().Single().Metadata.Usage.InputTokens * 2, totals.Usage.InputTokens);
    }

    [Fact]
    public async Task ConnectAsync_ResumeInANewProcessAndSandbox_ContinuesTheConversationFromTheRestoredTranscript()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("Noted: KIWI."), Reply.Text("You said KIWI."));
        await using (var connection = await claude.ConnectAsync())
        {
            Assert.Equal("Noted: KIWI.", LastText(await ClaudeSession.RunTurnAsync(connection, "Remember KIWI")));
        }

        var persisted = await claude.ReadTranscriptAsync();
        await claude.RecreateSandboxAsync(persisted);
        var watch = Stopwatch.StartNew();
        await using var resumed = await claude.ConnectAsync(resume: true);
        var answer = await ClaudeSession.RunTurnAsync(resumed, "What did I say?");
        TestContext.Current.TestOutputHelper?.WriteLine($"first turn of the resumed process (with CLI start) {watch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Contains(persisted, f => f.RelativePath.EndsWith($"/{claude.Session.SessionId}.jsonl", StringComparison.Ordinal));
        Assert.Equal("You said KIWI.", LastText(answer));
        var request = claude.Model.ConversationRequests[^1];
        Assert.True(request.MessagesContain("Remember KIWI"));
        Assert.Contains("Noted: KIWI.", request.TextsOf("assistant"));
        var parsed = claude.Architecture.ParseTranscript(await claude.ReadTranscriptAsync(), claude.Session);
        Assert.Equal(
            ["Remember KIWI", "Noted: KIWI.", "What did I say?", "You said KIWI."],
            parsed.Blocks.Select(b => b switch { UserMessageBlock u => u.Content, AssistantTextBlock a => a.Content, _ => b.GetType().Name }));
    }

    private static string LastText(IEnumerable<SessionEvent> events) =>
        events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content;
}
