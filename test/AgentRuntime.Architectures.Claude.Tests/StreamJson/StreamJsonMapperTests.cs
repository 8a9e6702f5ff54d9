using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Claude.Tests.StreamJson;

public sealed class StreamJsonMapperTests
{
    private static readonly IReadOnlyList<JsonObject> Conversation = RecordedOutput.StreamLines("Conversation");

    [Fact]
    public void Map_RecordedConversation_GivesTheDialogueInOrder()
    {
        var projection = RecordedOutput.Project(RecordedOutput.Map(Conversation));

        var dialogue = projection.Blocks.Where(b => b is not SystemBlock).Select(Describe).ToList();

        Assert.Equal(
        [
            "thinking:I should write a file.",
            "assistant_text:Let me run it",
            "tool_use:Bash:Success",
            "tool_result:hi",
            "tool_use:Write:Success",
            "tool_result:File created successfully at: /tmp/probe/ws/b.txt (file state is current in your context — no need to Read it back)",
            "assistant_text:Done with turn one.",
            "subagent:general-purpose:Success:Subagent result: hi",
            "assistant_text:The agent finished.",
            "tool_use:Bash:Error",
            "tool_result:error:Exit code 3",
            "assistant_text:failed as expected",
        ], dialogue);
    }

    [Fact]
    public void Map_TextStreamEvents_StartEmptyGrowByDeltasAndComplete()
    {
        var events = RecordedOutput.Map(Conversation);
        var textId = "msg_1795461795825:1";

        var start = Assert.Single(events.OfType<BlockStartEvent>(), e => e.Block.Id == textId);
        var deltas = events.OfType<BlockDeltaEvent>().Where(e => e.BlockId == textId).Select(e => e.Delta).ToList();
        var complete = Assert.Single(events.OfType<BlockCompleteEvent>(), e => e.BlockId == textId);

        Assert.Equal("", Assert.IsType<AssistantTextBlock>(start.Block).Content);
        Assert.True(deltas.Count > 1, "the text streamed in several deltas");
        Assert.Equal("Let me run it", string.Concat(deltas));
        var text = Assert.IsType<AssistantTextBlock>(complete.Block);
        Assert.Equal("Let me run it", text.Content);
        Assert.Equal("claude-opus-5-5", text.Model);
        Assert.True(events.IndexOf(start) < events.IndexOf(complete));
    }

    [Fact]
    public void Map_ThinkingStreamEvents_StreamIntoAThinkingBlock()
    {
        var events = RecordedOutput.Map(Conversation);

        var deltas = events.OfType<BlockDeltaEvent>().Where(e => e.BlockId == "msg_1795461795825:0").Select(e => e.Delta);
        var complete = Assert.Single(events.OfType<BlockCompleteEvent>(), e => e.BlockId == "msg_1795461795825:0");

        Assert.Equal("I should write a file.", string.Concat(deltas));
        Assert.Equal("I should write a file.", Assert.IsType<ThinkingBlock>(complete.Block).Content);
    }

    [Fact]
    public void Map_ToolUseInputDeltas_StartPendingThenCompleteRunningWithTheWholeInputThenSucceed()
    {
        var events = RecordedOutput.Map(Conversation);

        var start = Assert.IsType<ToolUseBlock>(Assert.Single(events.OfType<BlockStartEvent>(), e => e.Block.Id == "toolu_bash1").Block);
        var completeEvent = Assert.Single(events.OfType<BlockCompleteEvent>(), e => e.BlockId == "toolu_bash1");
        var complete = Assert.IsType<ToolUseBlock>(completeEvent.Block);
        var update = Assert.Single(events.OfType<BlockUpdateEvent>(), e => e.BlockId == "toolu_bash1");

        Assert.Equal(ToolStatus.Pending, start.Status);
        Assert.Equal(ToolStatus.Running, complete.Status);
        Assert.Equal("Bash", complete.ToolName);
        Assert.Equal("echo hi > a.txt && cat a.txt", complete.Input.GetProperty("command").GetString());
        Assert.Equal(ToolStatus.Success, update.Updates.Status);
        Assert.True(events.IndexOf(completeEvent) < events.IndexOf(update));
    }

    [Fact]
    public void Map_ToolResult_CarriesOutputErrorFlagAndDuration()
    {
        var projection = RecordedOutput.Project(RecordedOutput.Map(Conversation));

        var ok = Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_bash1:result"));
        var failed = Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_bad:result"));

        Assert.Equal(("toolu_bash1", "hi", false), (ok.ToolUseId, ok.Output, ok.IsError));
        Assert.InRange(ok.DurationMs!.Value, 1, 10_000);
        Assert.Equal(("Exit code 3", true), (failed.Output, failed.IsError));
        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_bad")).Status);
    }

    [Fact]
    public void Map_SubagentMessages_FormTheSubagentThreadOfItsAgentCall()
    {
        var projection = RecordedOutput.Project(RecordedOutput.Map(Conversation));

        var subagent = Assert.IsType<SubagentBlock>(projection.GetBlock("toolu_agent1"));
        var thread = Assert.Single(projection.Subagents);

        Assert.Equal(("toolu_agent1", "toolu_agent1", "general-purpose"), (subagent.SubagentId, subagent.ToolUseId, subagent.Name));
        Assert.Equal("SUBTASK: say hi", subagent.Input.GetProperty("prompt").GetString());
        Assert.Equal("toolu_agent1", thread.Id);
        Assert.Equal(
        [
            "user_message:SUBTASK: say hi",
            "assistant_text:sub thinking out loud",
            "tool_use:Bash:Success",
            "tool_result:from-sub",
            "assistant_text:Subagent result: hi",
        ], thread.Blocks.Select(Describe));
        Assert.DoesNotContain(projection.Blocks, b => b.Id == "toolu_sub1");
    }

    [Fact]
    public void Map_SystemMessages_BecomeSystemBlocksKeepingTheOriginalJson()
    {
        var projection = RecordedOutput.Project(RecordedOutput.Map(Conversation));
        var init = Conversation.First(l => l["subtype"]?.GetValue<string>() == "init");

        var systems = projection.Blocks.OfType<SystemBlock>().ToList();
        var initBlock = systems.First(b => b.Subtype == "init");

        Assert.Equal(3, systems.Count(b => b.Subtype == "init"));
        Assert.Equal(7, systems.Count(b => b.Subtype == "status"));
        Assert.Equal(["task_started", "task_progress", "task_updated", "task_notification"], systems.Select(b => b.Subtype).Where(s => s.StartsWith("task_", StringComparison.Ordinal)));
        Assert.Contains(systems, b => b.Subtype == "thinking_tokens");
        Assert.True(JsonNode.DeepEquals(init, initBlock.Metadata));
        Assert.Equal(init["uuid"]!.GetValue<string>(), initBlock.Id);
        Assert.Contains("claude-opus-5-5", initBlock.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_Results_EndTurnsAndReportTotalsSummedOverTurns()
    {
        var mapper = new StreamJsonMapper(TimeProvider.System, new SessionMetadata { CostUsd = 1m, Usage = new TokenUsage { InputTokens = 1000 } });

        var mapped = Conversation.Select(mapper.Map).ToList();

        var outcomes = mapped.Where(m => m.Outcome is not null).Select(m => m.Outcome!).ToList();
        var last = mapped.SelectMany(m => m.Events).OfType<MetadataUpdateEvent>().Last();
        Assert.Equal(["Done with turn one.", "The agent finished.", "failed as expected"], outcomes.Select(o => o.Message));
        Assert.All(outcomes, o => Assert.False(o.IsError));
        Assert.Equal(3, mapped.SelectMany(m => m.Events).OfType<MetadataUpdateEvent>().Count());
        Assert.Equal(Conversations.Main, last.ConversationId);
        Assert.Equal(1.00126m, decimal.Round(last.Metadata.CostUsd, 8));
        Assert.Equal(1000 + 30 + 40 + 20, last.Metadata.Usage.InputTokens);
        Assert.Equal(15 + 20 + 10, last.Metadata.Usage.OutputTokens);
        Assert.Equal("claude-opus-5-5", last.Metadata.Model);
    }

    [Fact]
    public void Map_ApiErrorResult_IsAnErrorOutcomeWithTheMessage()
    {
        var mapper = new StreamJsonMapper(TimeProvider.System, new SessionMetadata());

        var mapped = RecordedOutput.StreamLines("ApiError").Select(mapper.Map).ToList();

        var outcome = Assert.Single(mapped, m => m.Outcome is not null).Outcome!;
        Assert.True(outcome.IsError);
        Assert.Equal("API Error: 400 scripted failure", outcome.Message);
        var shown = mapped.SelectMany(m => m.Events).OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Single();
        Assert.Equal("API Error: 400 scripted failure", shown.Content);
    }

    [Fact]
    public void Map_InterruptedTurn_FailsTheToolEndsInErrorAndHidesTheControlResponse()
    {
        var mapper = new StreamJsonMapper(TimeProvider.System, new SessionMetadata());
        var lines = RecordedOutput.StreamLines("Interrupt");

        var mapped = lines.Select(mapper.Map).ToList();

        var controlResponse = mapped[lines.ToList().FindIndex(l => l["type"]!.GetValue<string>() == "control_response")];
        Assert.Empty(controlResponse.Events);
        var outcomes = mapped.Where(m => m.Outcome is not null).Select(m => m.Outcome!).ToList();
        Assert.Equal([(true, "error_during_execution"), (false, "success")], outcomes.Select(o => (o.IsError, o.Subtype)));
        var projection = RecordedOutput.Project(mapped.SelectMany(m => m.Events));
        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("toolu_sleep")).Status);
        Assert.True(Assert.IsType<ToolResultBlock>(projection.GetBlock("toolu_sleep:result")).IsError);
        Assert.Contains(projection.Blocks, b => b is SystemBlock { Subtype: "interrupted" });
        Assert.DoesNotContain(projection.Blocks, b => b is UserMessageBlock { Content: "[Request interrupted by user for tool use]" });
        Assert.Equal("after interrupt", Assert.IsType<AssistantTextBlock>(projection.Blocks.Last(b => b is AssistantTextBlock)).Content);
    }

    [Fact]
    public void Map_UnknownMessageType_BecomesAnUnknownMessageSystemBlockWithTheRawJson()
    {
        var line = JsonNode.Parse("""{"type":"brand_new","uuid":"u-1","detail":{"x":1}}""")!.AsObject();

        var events = new StreamJsonMapper(TimeProvider.System, new SessionMetadata()).Map(line).Events;

        var block = Assert.IsType<SystemBlock>(Assert.IsType<BlockCompleteEvent>(events[^1]).Block);
        Assert.IsType<BlockStartEvent>(events[0]);
        Assert.Equal(("u-1", "unknown_message"), (block.Id, block.Subtype));
        Assert.True(JsonNode.DeepEquals(line, block.Metadata));
        Assert.Contains("brand_new", block.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_RecordedOutput_LeavesNoMessageUnknown()
    {
        var lines = Conversation.Concat(RecordedOutput.StreamLines("ApiError")).Concat(RecordedOutput.StreamLines("Interrupt"));

        var blocks = RecordedOutput.Map(lines).OfType<BlockCompleteEvent>().Select(e => e.Block);

        Assert.DoesNotContain(blocks, b => b is SystemBlock { Subtype: "unknown_message" or "unknown_content" });
    }

    [Fact]
    public void Map_StreamedBlocksWhoseAssistantMessageNeverCame_CompleteAtMessageStop()
    {
        var withoutAssistant = Conversation.Where(l => l["type"]!.GetValue<string>() != "assistant" || l["parent_tool_use_id"] is not null);

        var expected = RecordedOutput.Project(RecordedOutput.Map(Conversation));
        var actual = RecordedOutput.Project(RecordedOutput.Map(withoutAssistant));

        Assert.Equal(
            expected.Blocks.Where(b => b is not SystemBlock).Select(b => Describe(b)),
            actual.Blocks.Where(b => b is not SystemBlock).Select(b => Describe(b)));
    }

    private static string Describe(ConversationBlock block) => block switch
    {
        ThinkingBlock b => $"thinking:{b.Content}",
        AssistantTextBlock b => $"assistant_text:{b.Content}",
        UserMessageBlock b => $"user_message:{b.Content}",
        ToolUseBlock b => $"tool_use:{b.ToolName}:{b.Status}",
        ToolResultBlock b => b.IsError ? $"tool_result:error:{b.Output}" : $"tool_result:{b.Output}",
        SubagentBlock b => $"subagent:{b.Name}:{b.Status}:{b.Output}",
        SystemBlock b => $"system:{b.Subtype}",
        _ => block.GetType().Name,
    };
}
