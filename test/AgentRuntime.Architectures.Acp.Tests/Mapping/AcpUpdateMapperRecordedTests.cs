using AgentRuntime.Blocks;
using AgentRuntime.Events;

namespace AgentRuntime.Architectures.Acp.Tests.Mapping;

public sealed class AcpUpdateMapperRecordedTests
{
    [Fact]
    public void Map_RecordedGeminiTurns_GiveTheBlocksInOrder()
    {
        var projection = RecordedAcp.Project(RecordedAcp.Map("new-session"));

        Assert.Equal(
            [
                "system:available_commands", "thinking:**Planning**\nI will run a command.", "assistant_text:Let me run it.",
                "tool_use:run_shell_command:Success", "tool_result:", "assistant_text:The file is written.", "assistant_text:Second answer.",
            ],
            projection.Blocks.Select(Describe));
        Assert.Equal(["t1:0", "t1:1", "t1:2"], projection.Blocks.Take(3).Select(b => b.Id));
    }

    [Fact]
    public void Map_RecordedGeminiTextChunks_StreamAsDeltasOfOneBlock()
    {
        var events = RecordedAcp.Map("new-session");

        var text = events.OfType<BlockStartEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Skip(1).First();
        Assert.Equal(["The file ", "is written."], events.OfType<BlockDeltaEvent>().Where(d => d.BlockId == text.Id).Select(d => d.Delta));
        Assert.Equal("", text.Content);
        Assert.Equal("The file is written.", Assert.IsType<AssistantTextBlock>(events.OfType<BlockCompleteEvent>().Single(c => c.BlockId == text.Id).Block).Content);
    }

    [Fact]
    public void Map_RecordedGeminiPermissionRequest_StartsTheToolPendingAndTheUpdateFinishesIt()
    {
        var events = RecordedAcp.Map("new-session");

        var start = events.OfType<BlockStartEvent>().Select(e => e.Block).OfType<ToolUseBlock>().Single();
        Assert.Equal(("run_shell_command__run_shell_command_1795465029917_0", "run_shell_command", ToolStatus.Pending), (start.ToolUseId, start.ToolName, start.Status));
        Assert.Equal("echo made-by-shell > a.txt && cat a.txt", start.Input.GetProperty("title").GetString());
        Assert.Equal("execute", start.Input.GetProperty("kind").GetString());
        var update = events.OfType<BlockUpdateEvent>().Single(u => u.BlockId == start.Id);
        Assert.Equal(ToolStatus.Success, update.Updates.Status);
        var result = Assert.IsType<ToolResultBlock>(events.OfType<BlockCompleteEvent>().Single(c => c.BlockId == $"{start.Id}:result").Block);
        Assert.Equal(("", false), (result.Output, result.IsError));
    }

    [Fact]
    public void Map_RecordedGeminiPromptAnswers_ReportUsageAndModelAsRunningTotals()
    {
        var metadata = RecordedAcp.Map("new-session").OfType<MetadataUpdateEvent>().Select(m => m.Metadata).ToList();

        Assert.Equal(2, metadata.Count);
        Assert.Equal((250L, 25L, "gemini-2.5-flash"), (metadata[0].Usage.InputTokens, metadata[0].Usage.OutputTokens, metadata[0].Model));
        Assert.Equal((450L, 28L), (metadata[1].Usage.InputTokens, metadata[1].Usage.OutputTokens));
    }

    [Fact]
    public void Map_RecordedGeminiLoadReplay_GivesTheHistoryWithUserMessagesAndFinishedTools()
    {
        var projection = RecordedAcp.Project(RecordedAcp.Map("load-session"));

        // Gemini sends no messageId, so its replayed session context and first message run together as one.
        var first = Assert.IsType<UserMessageBlock>(projection.Blocks[0]);
        Assert.StartsWith("<session_context>", first.Content, StringComparison.Ordinal);
        Assert.EndsWith("</session_context>Write a.txt", first.Content, StringComparison.Ordinal);
        Assert.Equal(
            [
                "thinking:**Planning**\nI will run a command.", "assistant_text:Let me run it.",
                "tool_use:run_shell_command:Success", "tool_result:", "user_message:[Function Response: run_shell_command]",
                "assistant_text:The file is written.", "user_message:And now?", "assistant_text:Second answer.", "system:available_commands",
            ],
            projection.Blocks.Skip(1).Take(9).Select(Describe));
    }

    private static string Describe(ConversationBlock block) => block switch
    {
        SystemBlock s => $"system:{s.Subtype}",
        ThinkingBlock t => $"thinking:{t.Content}",
        AssistantTextBlock a => $"assistant_text:{a.Content}",
        UserMessageBlock u => $"user_message:{u.Content}",
        ToolUseBlock t => $"tool_use:{t.ToolName}:{t.Status}",
        ToolResultBlock r => $"tool_result:{r.Output}",
        _ => block.GetType().Name,
    };
}
