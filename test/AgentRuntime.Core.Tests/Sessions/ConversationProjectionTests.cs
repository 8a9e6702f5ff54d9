using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
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
}
