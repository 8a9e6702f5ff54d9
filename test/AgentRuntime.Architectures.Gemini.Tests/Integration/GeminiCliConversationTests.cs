using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

public sealed class GeminiCliConversationTests
{
    [Fact]
    public async Task RunTurn_SecondTurnInTheSameProcess_SendsTheFirstTurnAsHistory()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Text("First answer: the word is PAPAYA.").WithUsage(100, 10), GeminiReply.Text("You told me PAPAYA.").WithUsage(150, 5));
        var watch = Stopwatch.StartNew();
        await using var connection = await gemini.ConnectAsync();
        var connect = watch.Elapsed;

        var first = await GeminiSession.RunTurnAsync(connection, "Remember the word PAPAYA");
        var firstTurn = watch.Elapsed;
        watch.Restart();
        var second = await GeminiSession.RunTurnAsync(connection, "Which word?");
        var secondTurn = watch.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"first turn (with CLI start) {firstTurn.TotalMilliseconds:F0} ms, of which the CLI start (initialize, session/new) {connect.TotalMilliseconds:F0} ms; second turn {secondTurn.TotalMilliseconds:F0} ms");
        Assert.False(connection.Exited.IsCompleted);
        Assert.Equal("You told me PAPAYA.", TurnEvents.LastText(second));
        var requests = gemini.Server.ConversationRequests;
        Assert.Equal(2, requests.Count);
        Assert.Contains("Remember the word PAPAYA", requests[1].TextsOf("user"));
        Assert.Contains("First answer: the word is PAPAYA.", requests[1].TextsOf("model"));
        Assert.Equal("Which word?", requests[1].LastUserText);
        Assert.Equal(100, first.OfType<MetadataUpdateEvent>().Single().Metadata.Usage.InputTokens);
        Assert.Equal((250, 15), (second.OfType<MetadataUpdateEvent>().Single().Metadata.Usage.InputTokens, second.OfType<MetadataUpdateEvent>().Single().Metadata.Usage.OutputTokens));
    }

    [Fact]
    public async Task ConnectAsync_ResumeInANewProcessAndSandbox_ContinuesTheConversationFromTheRestoredSessionFiles()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(
            GeminiReply.Shell("echo kiwi > fruit.txt && cat fruit.txt", "Note the fruit").WithText("Noting it."),
            GeminiReply.Text("Noted: KIWI."),
            GeminiReply.Text("You said KIWI."),
            GeminiReply.Text("Still KIWI."));
        await using (var connection = await gemini.ConnectAsync())
        {
            Assert.Equal("Noted: KIWI.", TurnEvents.LastText(await GeminiSession.RunTurnAsync(connection, "Remember KIWI")));
        }

        var persisted = await gemini.ReadTranscriptAsync();
        await gemini.RecreateSandboxAsync(persisted);
        var watch = Stopwatch.StartNew();
        await using var resumed = await gemini.ConnectAsync(resume: true);
        var answer = await GeminiSession.RunTurnAsync(resumed, "What did I say?");
        TestContext.Current.TestOutputHelper?.WriteLine($"first turn of the resumed process (with CLI start) {watch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Contains(persisted, f => f.RelativePath.StartsWith(".gemini/tmp/workspace/chats/session-", StringComparison.Ordinal));
        Assert.Equal("You said KIWI.", TurnEvents.LastText(answer));
        Assert.DoesNotContain(answer.OfType<BlockStartEvent>(), e => e.Block is UserMessageBlock);
        var request = gemini.Server.ConversationRequests[^1];
        Assert.Contains("Remember KIWI", request.TextsOf("user"));
        Assert.Contains("Noted: KIWI.", request.TextsOf("model"));
        Assert.Equal("What did I say?", request.LastUserText);

        // A second restart: the store keeps every file it was given (the one renamed away included) and restores them all.
        var stored = persisted.Concat(await gemini.ReadTranscriptAsync()).GroupBy(f => f.RelativePath).Select(g => g.Last()).ToList();
        await gemini.RecreateSandboxAsync(stored);
        await using var again = await gemini.ConnectAsync(resume: true);
        Assert.Equal("Still KIWI.", TurnEvents.LastText(await GeminiSession.RunTurnAsync(again, "And now?")));
        Assert.Contains("You said KIWI.", gemini.Server.ConversationRequests[^1].TextsOf("model"));
        Assert.Contains("Remember KIWI", gemini.Server.ConversationRequests[^1].TextsOf("user"));
        var parsed = gemini.Architecture.ParseTranscript(await gemini.ReadTranscriptAsync(), gemini.Session);
        Assert.Equal(
            ["Remember KIWI", "Noting it.", "run_shell_command", "kiwi", "Noted: KIWI.", "What did I say?", "You said KIWI.", "And now?", "Still KIWI."],
            parsed.Blocks.Select(b => b switch
            {
                UserMessageBlock u => u.Content,
                AssistantTextBlock a => a.Content,
                ToolUseBlock t => t.ToolName,
                ToolResultBlock r => r.Output,
                _ => b.GetType().Name,
            }));
    }
}
