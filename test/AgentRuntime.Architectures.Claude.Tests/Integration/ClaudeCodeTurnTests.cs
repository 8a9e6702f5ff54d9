using System.Diagnostics;
using System.Text;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

public sealed class ClaudeCodeTurnTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_TextReply_StreamsDeltasBeforeTheBlockCompletes()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("Hello from the scripted model").WithPieces(5).WithChunkDelay(TimeSpan.FromMilliseconds(150)).WithUsage(321, 54));
        await using var connection = await claude.ConnectAsync();
        var arrivals = new List<(SessionEvent Event, TimeSpan At)>();
        var watch = Stopwatch.StartNew();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(ClaudeSession.TurnTimeout);
        await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Say hello"), deadline.Token).SelectMany(batch => batch))
        {
            arrivals.Add((e, watch.Elapsed));
        }

        var start = arrivals.Single(a => a.Event is BlockStartEvent { Block: AssistantTextBlock });
        var textId = ((BlockStartEvent)start.Event).Block.Id;
        var deltas = arrivals.Where(a => a.Event is BlockDeltaEvent d && d.BlockId == textId).ToList();
        var complete = arrivals.Single(a => a.Event is BlockCompleteEvent c && c.BlockId == textId);
        Assert.Equal(5, deltas.Count);
        Assert.Equal("Hello from the scripted model", string.Concat(deltas.Select(d => ((BlockDeltaEvent)d.Event).Delta)));
        Assert.Equal("Hello from the scripted model", Assert.IsType<AssistantTextBlock>(((BlockCompleteEvent)complete.Event).Block).Content);
        Assert.True(complete.At - deltas[0].At >= TimeSpan.FromMilliseconds(400), $"the first delta came {complete.At - deltas[0].At} before the end");
        var metadata = Assert.IsType<MetadataUpdateEvent>(arrivals[^1].Event).Metadata;
        Assert.Equal((321, 54), (metadata.Usage.InputTokens, metadata.Usage.OutputTokens));
        Assert.Contains(arrivals, a => a.Event is BlockCompleteEvent { Block: SystemBlock { Subtype: "init" } });
        Assert.Equal("Say hello", claude.Model.ConversationRequests.Single().LastUserText);
    }

    [Fact]
    public async Task RunTurn_BashToolCall_WritesTheFileInTheWorkspaceAndShowsItsOutput()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo made-by-bash > a.txt && cat a.txt", description = "Write a file" }, id: "toolu_bash")
                .WithText("Let me run it")
                .WithThinking("A shell command will do."),
            Reply.Text("The file is written."));
        await using var connection = await claude.ConnectAsync();

        var projection = RecordedOutput.Project(await ClaudeSession.RunTurnAsync(connection, "Write a.txt"));

        var file = await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "a.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        Assert.Equal("made-by-bash\n", Encoding.UTF8.GetString(file!));
        var tool = Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_bash"));
        var result = Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_bash:result"));
        Assert.Equal(("Bash", ToolStatus.Success), (tool.ToolName, tool.Status));
        Assert.Equal(("made-by-bash", false), (result.Output, result.IsError));
        Assert.NotNull(result.DurationMs);
        Assert.Equal(
            ["thinking", "assistant_text", "tool_use", "tool_result", "assistant_text"],
            projection.Blocks.Where(b => b is not SystemBlock).Select(b => b.GetType().Name.Replace("Block", "")).Select(Snake));
        Assert.Equal("made-by-bash", claude.Model.ConversationRequests[1].LastToolResults.Single()["content"]!.ToString());
    }

    [Fact]
    public async Task RunTurn_WriteToolCall_CreatesTheFile()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(
            Reply.ToolUse("Write", new { file_path = Path.Combine(claude.Sandbox.WorkspacePath, "notes.md"), content = "# Notes\nKIWI\n" }, id: "toolu_write"),
            Reply.Text("Saved."));
        await using var connection = await claude.ConnectAsync();

        var projection = RecordedOutput.Project(await ClaudeSession.RunTurnAsync(connection, "Take a note"));

        var file = await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "notes.md", Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        Assert.Equal("# Notes\nKIWI\n", Encoding.UTF8.GetString(file!));
        Assert.Equal(ToolStatus.Success, Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_write")).Status);
        Assert.StartsWith("File created successfully", Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_write:result")).Output, StringComparison.Ordinal);
        Assert.Equal("Saved.", Assert.IsType<AssistantTextBlock>(projection.Blocks[^1]).Content);
    }

    [Fact]
    public async Task RunTurn_AgentToolCall_StreamsTheSubagentAsItsOwnThreadAndTheTranscriptParsesTheSame()
    {
        await using var claude = await ClaudeSession.StartAsync();
        var subagentReplies = new Queue<Reply>([Reply.ToolUse("Bash", new { command = "echo from-sub" }, id: "toolu_sub").WithText("Looking."), Reply.Text("Subagent result: 42")]);
        claude.Model.Respond(r => r.IsSubagent && subagentReplies.TryDequeue(out var reply) ? reply : null);
        claude.Model.Enqueue(Reply.Agent("SUBTASK: count the files", description: "Count files", id: "toolu_agent"), Reply.Text("The subagent says 42."));
        await using var connection = await claude.ConnectAsync();

        var live = RecordedOutput.Project(await ClaudeSession.RunTurnAsync(connection, "Delegate the count"));

        var subagent = Assert.IsType<SubagentBlock>(live.GetBlock("toolu_agent"));
        Assert.Equal(("toolu_agent", "general-purpose", ToolStatus.Success, "Subagent result: 42"), (subagent.SubagentId, subagent.Name, subagent.Status, subagent.Output));
        var thread = Assert.Single(live.Subagents);
        Assert.Equal("toolu_agent", thread.Id);
        Assert.Equal(["user_message", "assistant_text", "tool_use", "tool_result", "assistant_text"], thread.Blocks.Select(b => Snake(b.GetType().Name.Replace("Block", ""))));
        Assert.Equal("SUBTASK: count the files", Assert.IsType<UserMessageBlock>(thread.Blocks[0]).Content);
        Assert.Equal("from-sub", Assert.IsType<ToolResultBlock>(thread.Blocks[3]).Output);
        Assert.Equal("The subagent says 42.", Assert.IsType<AssistantTextBlock>(live.Blocks[^1]).Content);

        var parsed = claude.Architecture.ParseTranscript(await claude.ReadTranscriptAsync(), claude.Session);

        Assert.Equal(live.Blocks.Where(b => b is not SystemBlock).Select(RecordedOutput.Json), parsed.Blocks.Where(b => b is not UserMessageBlock).Select(RecordedOutput.Json));
        Assert.Equal(thread.Blocks.Select(RecordedOutput.Json), Assert.Single(parsed.Subagents).Blocks.Select(RecordedOutput.Json));
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
