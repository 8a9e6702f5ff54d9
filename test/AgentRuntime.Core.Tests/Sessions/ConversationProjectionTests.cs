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

        projection.Apply(new BlockUpdateEvent { Seq = 2, ConversationId = "main", BlockId = "u", Updates = new JsonObject { ["status"] = "success" } });

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

    public static TheoryData<string, string> Updates => new()
    {
        // Those the mappers send, applied to the typed block.
        { "tool_use", """{"status":"success"}""" },
        { "tool_use", """{"status":"error","toolName":"Shell","input":{"command":"ls \u00e9","n":1.50}}""" },
        { "subagent", """{"status":"success","output":"done"}""" },
        { "subagent", """{"status":"error","output":null,"name":null}""" },
        { "subagent", """{"input":{"prompt":"p"},"name":"Explore"}""" },
        { "tool_result", """{"output":"changed","isError":true}""" },
        { "system", """{"message":"Plan:\n[x] one","metadata":{"entries":[{"content":"one","status":"completed"}]}}""" },
        { "system", """{"metadata":null}""" },
        { "error", """{"message":"worse"}""" },
        { "assistant_text", """{"content":"rewritten"}""" },
        { "thinking", """{"content":"rethought","type":"thinking","id":"ignored"}""" },
        { "user_message", """{"content":"edited"}""" },
        // Anything else goes through JSON, as every update did before.
        { "tool_use", """{"status":"Success"}""" },
        { "tool_use", """{"Status":"error"}""" },
        { "tool_result", """{"durationMs":12,"output":"x"}""" },
        { "tool_result", """{"output":null}""" },
        { "assistant_text", """{"model":"m2","status":"success"}""" },
        { "subagent", """{"status":"running","toolUseId":"t2","timestamp":"2026-02-03T04:05:06+02:00"}""" },
        { "system", """{"subtype":"plan","metadata":[1]}""" },
        { "error", """{"code":"agent_error"}""" },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public void Apply_Update_GivesWhatMergingThroughJsonGives(string blockType, string updates)
    {
        var block = Sample(blockType);
        var update = new BlockUpdateEvent { ConversationId = "main", BlockId = block.Id, Updates = JsonNode.Parse(updates)!.AsObject() };
        var projection = new ConversationProjection();
        projection.Apply(new BlockStartEvent { ConversationId = "main", Block = block });

        var expected = Outcome(() => Json(MergeThroughJson(block, update)));
        var actual = Outcome(() =>
        {
            projection.Apply(update);
            return Json(projection.GetBlock(block.Id)!);
        });

        Assert.Equal(expected, actual);
    }

    // The block's JSON, or the exception's type when the update cannot apply (such as a status the JSON does not name).
    private static string Outcome(Func<string> merge)
    {
        try
        {
            return merge();
        }
        catch (JsonException ex)
        {
            return ex.GetType().Name;
        }
    }

    // The projection's merge as it was: the block to JSON, the properties set, back to a block.
    private static ConversationBlock MergeThroughJson(ConversationBlock block, BlockUpdateEvent update)
    {
        var node = JsonSerializer.SerializeToNode(block, AgentRuntimeJsonContext.Default.ConversationBlock)!.AsObject();
        foreach (var (name, value) in update.Updates)
        {
            if (name != "type" && name != "id")
            {
                node[name] = value?.DeepClone();
            }
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
