using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

public sealed class ConversationProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Apply_StartDeltasComplete_BuildsTheTextAndTheCompleteBlockWins()
    {
        var projection = new ConversationProjection();

        projection.Apply(new BlockStartEvent { Seq = 1, ConversationId = "main", Block = new AssistantTextBlock { Id = "t", Timestamp = T0, Content = "" } });
        projection.Apply(new BlockDeltaEvent { Seq = 2, ConversationId = "main", BlockId = "t", Delta = "Hel" });
        projection.Apply(new BlockDeltaEvent { Seq = 3, ConversationId = "main", BlockId = "t", Delta = "lo" });

        Assert.Equal("Hello", Assert.IsType<AssistantTextBlock>(Assert.Single(projection.Blocks)).Content);
        projection.Apply(new BlockCompleteEvent { Seq = 4, ConversationId = "main", BlockId = "t", Block = new AssistantTextBlock { Id = "t", Timestamp = T0, Content = "Hello!", Model = "m" } });
        var done = Assert.IsType<AssistantTextBlock>(Assert.Single(projection.Blocks));
        Assert.Equal(("Hello!", "m"), (done.Content, done.Model));
        Assert.Equal(4, projection.LastSeq);
    }

    [Fact]
    public void Apply_AnEventAgain_IsIgnored()
    {
        var projection = new ConversationProjection();
        projection.Apply(new BlockStartEvent { Seq = 1, ConversationId = "main", Block = new ThinkingBlock { Id = "k", Timestamp = T0, Content = "" } });
        var delta = new BlockDeltaEvent { Seq = 2, ConversationId = "main", BlockId = "k", Delta = "hmm" };

        Assert.True(projection.Apply(delta));
        Assert.False(projection.Apply(delta));

        Assert.Equal("hmm", Assert.IsType<ThinkingBlock>(Assert.Single(projection.Blocks)).Content);
    }

    [Fact]
    public void Apply_Update_MergesTheNamedPropertiesOnly()
    {
        var projection = new ConversationProjection();
        var input = JsonDocument.Parse("""{"command":"ls"}""").RootElement;
        projection.Apply(new BlockStartEvent { Seq = 1, ConversationId = "main", Block = new ToolUseBlock { Id = "u", Timestamp = T0, ToolName = "Bash", ToolUseId = "u", Input = input, Status = ToolStatus.Running } });

        projection.Apply(new BlockUpdateEvent { Seq = 2, ConversationId = "main", BlockId = "u", Updates = new BlockUpdate { Status = ToolStatus.Success } });

        var block = Assert.IsType<ToolUseBlock>(Assert.Single(projection.Blocks));
        Assert.Equal(ToolStatus.Success, block.Status);
        Assert.Equal("ls", block.Input.GetProperty("command").GetString());
    }

    [Fact]
    public void Apply_SubagentBlocks_GoToTheirOwnThreadInStartOrder()
    {
        var projection = new ConversationProjection();
        projection.Apply(new BlockStartEvent { Seq = 1, ConversationId = "main", Block = new SubagentBlock { Id = "s1", Timestamp = T0, SubagentId = "a1", Status = ToolStatus.Running } });
        projection.Apply(new BlockStartEvent { Seq = 2, ConversationId = "main", Block = new SubagentBlock { Id = "s2", Timestamp = T0, SubagentId = "a2", Status = ToolStatus.Running } });
        projection.Apply(new BlockStartEvent { Seq = 3, ConversationId = "a2", Block = new AssistantTextBlock { Id = "x", Timestamp = T0, Content = "from a2" } });

        Assert.Equal(["s1", "s2"], projection.Blocks.Select(b => b.Id));
        Assert.Equal(["a1", "a2"], projection.Subagents.Select(s => s.Id));
        Assert.Empty(projection.Subagents[0].Blocks);
        Assert.Equal("x", Assert.Single(projection.Subagents[1].Blocks).Id);
    }

    [Fact]
    public void Apply_MetadataOfTheMainConversation_IsKept()
    {
        var projection = new ConversationProjection();

        projection.Apply(new MetadataUpdateEvent { Seq = 1, ConversationId = "main", Metadata = new SessionMetadata { CostUsd = 0.5m, Model = "m" } });
        projection.Apply(new MetadataUpdateEvent { Seq = 2, ConversationId = "sub", Metadata = new SessionMetadata { CostUsd = 9m } });

        Assert.Equal(0.5m, projection.Metadata!.CostUsd);
    }

    // Updates as the mappers send them, on the wire.
    public static TheoryData<string, string> Updates => new()
    {
        { "tool_use", """{"status":"success"}""" },
        { "tool_use", """{"status":"error","toolName":"Shell","input":{"command":"ls \u00e9","n":1.50}}""" },
        { "subagent", """{"status":"success","output":"done"}""" },
        { "subagent", """{"input":{"prompt":"p"},"name":"Explore"}""" },
        { "tool_result", """{"output":"changed","isError":true,"durationMs":12}""" },
        { "system", """{"message":"Plan:\n[x] one","metadata":{"entries":[{"content":"one","status":"completed"}]}}""" },
        { "error", """{"message":"worse"}""" },
        { "assistant_text", """{"content":"rewritten"}""" },
        { "thinking", """{"content":"rethought"}""" },
        { "user_message", """{"content":"edited"}""" },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public void Apply_Update_GivesWhatAClientMergingTheWireObjectGets(string blockType, string updates)
    {
        var block = Sample(blockType);
        var update = Event(block.Id, updates);
        var projection = new ConversationProjection();
        projection.Apply(new BlockStartEvent { ConversationId = "main", Block = block });

        projection.Apply(update);

        Assert.Equal(Json(MergeThroughJson(block, JsonNode.Parse(updates)!.AsObject())), Json(projection.GetBlock(block.Id)!));
    }

    [Theory]
    [MemberData(nameof(Updates))]
    public void BlockUpdate_OnTheWire_IsTheChangedPropertiesInTheBlocksShape(string blockType, string updates)
    {
        _ = blockType;
        var update = Event("b", updates);

        var wire = JsonNode.Parse(JsonSerializer.Serialize<SessionEvent>(update, AgentRuntimeJsonContext.Default.SessionEvent))!["updates"]!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(updates), wire), wire.ToJsonString());
    }

    [Theory]
    [InlineData("assistant_text", """{"status":"success","output":"x"}""")]
    [InlineData("tool_result", """{"status":"error","message":"m"}""")]
    [InlineData("error", """{"content":"c","name":"n"}""")]
    [InlineData("tool_use", """{"output":"o","isError":true}""")]
    public void Apply_PropertiesTheBlockDoesNotHave_LeaveItAsItWas(string blockType, string updates)
    {
        var block = Sample(blockType);
        var projection = new ConversationProjection();
        projection.Apply(new BlockStartEvent { ConversationId = "main", Block = block });

        projection.Apply(Event(block.Id, updates));

        Assert.Equal(Json(block), Json(projection.GetBlock(block.Id)!));
    }

    // The event as a client or the store reads it from its JSON.
    private static BlockUpdateEvent Event(string blockId, string updates) => (BlockUpdateEvent)JsonSerializer.Deserialize(
        $$"""{"type":"session:block:update","seq":0,"conversationId":"main","blockId":"{{blockId}}","updates":{{updates}}}""",
        AgentRuntimeJsonContext.Default.SessionEvent)!;

    // What a client that merges the wire object into the block (as the React hooks do) gets.
    private static ConversationBlock MergeThroughJson(ConversationBlock block, JsonObject updates)
    {
        var node = JsonSerializer.SerializeToNode(block, AgentRuntimeJsonContext.Default.ConversationBlock)!.AsObject();
        foreach (var (name, value) in updates)
        {
            node[name] = value?.DeepClone();
        }

        return node.Deserialize(AgentRuntimeJsonContext.Default.ConversationBlock)!;
    }

    private static ConversationBlock Sample(string type) => type switch
    {
        "tool_use" => new ToolUseBlock { Id = "b", Timestamp = T0, ToolName = "Bash", ToolUseId = "b", Input = JsonDocument.Parse("""{"command":"ls"}""").RootElement, Status = ToolStatus.Running },
        "subagent" => new SubagentBlock { Id = "b", Timestamp = T0, SubagentId = "b", ToolUseId = "b", Name = "general-purpose", Input = JsonDocument.Parse("""{"prompt":"go"}""").RootElement, Status = ToolStatus.Running },
        "tool_result" => new ToolResultBlock { Id = "b", Timestamp = T0, ToolUseId = "t", Output = "out", DurationMs = 5 },
        "system" => new SystemBlock { Id = "b", Timestamp = T0, Subtype = "plan", Message = "Plan:", Metadata = new JsonObject { ["entries"] = new JsonArray() } },
        "error" => new ErrorBlock { Id = "b", Timestamp = T0, Message = "bad", Code = "x" },
        "assistant_text" => new AssistantTextBlock { Id = "b", Timestamp = T0, Content = "text", Model = "m" },
        "thinking" => new ThinkingBlock { Id = "b", Timestamp = T0, Content = "hmm" },
        _ => new UserMessageBlock { Id = "b", Timestamp = T0, Content = "hi" },
    };

    private static string Json(ConversationBlock block) => JsonSerializer.Serialize(block, AgentRuntimeJsonContext.Default.ConversationBlock);
}
