using System.Diagnostics;
using System.Text;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

public sealed class GeminiCliTurnTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_TextReply_StreamsDeltasBeforeTheBlockCompletesAndReportsUsage()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Text("Hello from the scripted Gemini").WithPieces(5).WithChunkDelay(TimeSpan.FromMilliseconds(150)).WithUsage(321, 54));
        await using var connection = await gemini.ConnectAsync();
        var arrivals = new List<(SessionEvent Event, TimeSpan At)>();
        var watch = Stopwatch.StartNew();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(GeminiSession.TurnTimeout);
        await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Say hello"), deadline.Token).SelectMany(batch => batch))
        {
            arrivals.Add((e, watch.Elapsed));
        }

        var start = arrivals.Single(a => a.Event is BlockStartEvent { Block: AssistantTextBlock });
        var textId = ((BlockStartEvent)start.Event).Block.Id;
        var deltas = arrivals.Where(a => a.Event is BlockDeltaEvent d && d.BlockId == textId).ToList();
        var complete = arrivals.Single(a => a.Event is BlockCompleteEvent c && c.BlockId == textId);
        Assert.Equal(5, deltas.Count);
        Assert.Equal("Hello from the scripted Gemini", string.Concat(deltas.Select(d => ((BlockDeltaEvent)d.Event).Delta)));
        Assert.Equal("Hello from the scripted Gemini", Assert.IsType<AssistantTextBlock>(((BlockCompleteEvent)complete.Event).Block).Content);
        Assert.True(complete.At - deltas[0].At >= TimeSpan.FromMilliseconds(400), $"the first delta came {complete.At - deltas[0].At} before the end");
        var metadata = Assert.IsType<MetadataUpdateEvent>(arrivals[^1].Event).Metadata;
        Assert.Equal((321, 54, GeminiSession.Model), (metadata.Usage.InputTokens, metadata.Usage.OutputTokens, metadata.Model));
        Assert.Contains(arrivals, a => a.Event is BlockCompleteEvent { Block: SystemBlock { Subtype: "available_commands" } });
        var request = gemini.Server.ConversationRequests.Single();
        Assert.Equal(("Say hello", GeminiSession.Model, "gemini-scripted-key"), (request.LastUserText, request.Model, request.Headers["x-goog-api-key"]));
    }

    [Fact]
    public async Task RunTurn_ShellToolCall_WritesTheFileInTheWorkspaceAndShowsItsOutput()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(
            GeminiReply.Shell("echo made-by-shell > a.txt && cat a.txt", "Write a file").WithText("Let me run it.").WithThought("Planning", "A shell command will do.").WithThought("Reading", "The user wants a file."),
            GeminiReply.Text("The file is written."));
        await using var connection = await gemini.ConnectAsync();

        var projection = TurnEvents.Project(await GeminiSession.RunTurnAsync(connection, "Write a.txt"));

        var file = await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "a.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        Assert.Equal("made-by-shell\n", Encoding.UTF8.GetString(file!));
        var tool = Assert.Single(projection.Blocks.OfType<ToolUseBlock>());
        var result = Assert.IsType<ToolResultBlock>(projection.GetBlock($"{tool.ToolUseId}:result"));
        Assert.Equal(("run_shell_command", ToolStatus.Success), (tool.ToolName, tool.Status));
        Assert.Equal("echo made-by-shell > a.txt && cat a.txt", tool.Input.GetProperty("command").GetString());
        Assert.Equal(("made-by-shell", false), (result.Output, result.IsError));
        Assert.NotNull(result.DurationMs);
        Assert.Equal(
            ["thinking", "assistant_text", "tool_use", "tool_result", "assistant_text"],
            projection.Blocks.Where(b => b is not SystemBlock).Select(TurnEvents.Kind));
        Assert.Equal("**Reading**\nThe user wants a file.\n\n**Planning**\nA shell command will do.", projection.Blocks.OfType<ThinkingBlock>().Single().Content);
        var parsed = gemini.Architecture.ParseTranscript(await gemini.ReadTranscriptAsync(), gemini.Session);
        Assert.Equal(
            projection.Blocks.Where(b => b is not SystemBlock).Select(b => b switch
            {
                ThinkingBlock t => t.Content,
                AssistantTextBlock a => a.Content,
                ToolUseBlock t => $"{t.ToolUseId} {t.ToolName} {t.Status} {t.Input.GetRawText()}",
                ToolResultBlock r => $"{r.ToolUseId} {r.Output} {r.IsError}",
                _ => b.GetType().Name,
            }),
            parsed.Blocks.Where(b => b is not UserMessageBlock).Select(b => b switch
            {
                ThinkingBlock t => t.Content,
                AssistantTextBlock a => a.Content,
                ToolUseBlock t => $"{t.ToolUseId} {t.ToolName} {t.Status} {t.Input.GetRawText()}",
                ToolResultBlock r => $"{r.ToolUseId} {r.Output} {r.IsError}",
                _ => b.GetType().Name,
            }));
        Assert.Contains("made-by-shell", gemini.Server.ConversationRequests[1].FunctionResponses.Single()["response"]!.ToJsonString(), StringComparison.Ordinal);
    }
}
