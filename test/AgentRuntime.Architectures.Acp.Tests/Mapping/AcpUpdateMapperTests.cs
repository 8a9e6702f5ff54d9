using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Acp.Tests.Mapping;

public sealed class AcpUpdateMapperTests
{
    private readonly AcpUpdateMapper _mapper = new(TimeProvider.System, new SessionMetadata(), new AcpMapperOptions { AgentName = "The agent" });

    public AcpUpdateMapperTests() => _mapper.BeginTurn("t");

    [Fact]
    public void Map_Plan_IsASystemBlockThatLaterPlansOfTheTurnReplace()
    {
        var first = Map(new JsonObject
        {
            ["sessionUpdate"] = "plan",
            ["entries"] = new JsonArray(Entry("Read the code", "completed"), Entry("Fix the bug", "in_progress"), Entry("Test", "pending")),
        });
        var second = Map(new JsonObject { ["sessionUpdate"] = "plan", ["entries"] = new JsonArray(Entry("Read the code", "completed"), Entry("Fix the bug", "completed")) });

        var plan = Assert.IsType<SystemBlock>(first.OfType<BlockCompleteEvent>().Single().Block);
        Assert.Equal(("plan", "Plan:\n[x] Read the code\n[>] Fix the bug\n[ ] Test"), (plan.Subtype, plan.Message));
        Assert.Equal("Fix the bug", plan.Metadata!["entries"]![1]!["content"]!.GetValue<string>());
        var update = Assert.IsType<BlockUpdateEvent>(Assert.Single(second));
        Assert.Equal((plan.Id, "Plan:\n[x] Read the code\n[x] Fix the bug"), (update.BlockId, update.Updates.Message));
        Assert.Equal("Fix the bug", RecordedAcp.Project([.. first, .. second]).Blocks.OfType<SystemBlock>().Single().Metadata!["entries"]![1]!["content"]!.GetValue<string>());
    }

    [Fact]
    public void Map_UnknownUpdateKind_IsASystemBlockHoldingTheRawUpdate()
    {
        var update = new JsonObject { ["sessionUpdate"] = "hologram_update", ["beam"] = new JsonObject { ["color"] = "blue" } };

        var block = Assert.IsType<SystemBlock>(Map(update).OfType<BlockCompleteEvent>().Single().Block);

        Assert.Equal("unknown_update", block.Subtype);
        Assert.Contains("'hologram_update'", block.Message, StringComparison.Ordinal);
        Assert.Equal(update.ToJsonString(), block.Metadata!.ToJsonString());
    }

    [Fact]
    public void Map_OtherNotificationAndUnreadableLine_AreSystemBlocks()
    {
        var events = _mapper.Map(new AcpOtherNotification("$/progress", new JsonObject { ["p"] = 1 }))
            .Concat(_mapper.Map(new AcpUnreadableLine("Ripgrep is not available."))).ToList();

        Assert.Equal(
            [("unknown_notification", "$/progress"), ("non_json_output", (string?)null)],
            events.OfType<BlockCompleteEvent>().Select(e => (SystemBlock)e.Block).Select(b => (b.Subtype, b.Metadata!["method"]?.GetValue<string>())));
    }

    [Fact]
    public void Map_ChunksWithDifferentMessageIds_AreSeparateBlocks()
    {
        var events = Map(Chunk("agent_message_chunk", "one", "m1"))
            .Concat(Map(Chunk("agent_message_chunk", " more", "m1")))
            .Concat(Map(Chunk("agent_message_chunk", "two", "m2")))
            .Concat(_mapper.EndTurn(new JsonObject { ["stopReason"] = "end_turn" }).Events);

        Assert.Equal(["one more", "two"], RecordedAcp.Project(events).Blocks.OfType<AssistantTextBlock>().Select(b => b.Content));
    }

    [Fact]
    public void Map_ToolCallThatFails_EndsInErrorWithItsContentAsTheResult()
    {
        var events = Map(new JsonObject { ["sessionUpdate"] = "tool_call", ["toolCallId"] = "c1", ["title"] = "Read x", ["kind"] = "read", ["status"] = "in_progress", ["rawInput"] = new JsonObject { ["path"] = "x" } })
            .Concat(Map(new JsonObject
            {
                ["sessionUpdate"] = "tool_call_update",
                ["toolCallId"] = "c1",
                ["status"] = "failed",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "content", ["content"] = new JsonObject { ["type"] = "text", ["text"] = "ENOENT: x" } }),
            })).ToList();

        var projection = RecordedAcp.Project(events);
        var tool = Assert.IsType<ToolUseBlock>(projection.GetBlock("c1"));
        Assert.Equal(("read", ToolStatus.Error, "x"), (tool.ToolName, tool.Status, tool.Input.GetProperty("path").GetString()));
        Assert.Equal(ToolStatus.Running, Assert.IsType<ToolUseBlock>(events.OfType<BlockStartEvent>().First().Block).Status);
        var result = Assert.IsType<ToolResultBlock>(projection.GetBlock("c1:result"));
        Assert.Equal(("ENOENT: x", true), (result.Output, result.IsError));
    }

    [Fact]
    public void Map_DiffContent_ShowsThePathAndTheNewText()
    {
        var events = Map(new JsonObject
        {
            ["sessionUpdate"] = "tool_call",
            ["toolCallId"] = "w1",
            ["title"] = "Write a.txt",
            ["status"] = "completed",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "diff", ["path"] = "/w/a.txt", ["oldText"] = null, ["newText"] = "hello" }),
        });

        Assert.Equal("/w/a.txt (new file):\nhello", RecordedAcp.Project(events).Blocks.OfType<ToolResultBlock>().Single().Output);
    }

    [Fact]
    public void Map_RejectedPermission_EndsTheToolInErrorSayingWhy()
    {
        var request = new JsonObject
        {
            ["toolCall"] = new JsonObject { ["toolCallId"] = "run_shell_command__1", ["title"] = "rm -rf /", ["kind"] = "execute" },
            ["options"] = new JsonArray(new JsonObject { ["optionId"] = "ok", ["kind"] = "allow_once" }, new JsonObject { ["optionId"] = "no", ["kind"] = "reject_once" }),
        };
        var decision = new AcpPermissionPolicy(["write_file"], RecordedAcp.GeminiToolName).Decide(request);

        var projection = RecordedAcp.Project(_mapper.Map(new AcpPermissionRequest(request["toolCall"]!.AsObject(), decision)));

        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("run_shell_command__1")).Status);
        var result = Assert.IsType<ToolResultBlock>(projection.GetBlock("run_shell_command__1:result"));
        Assert.True(result.IsError);
        Assert.Equal("Not run: The profile's allowed tools (write_file) do not include 'run_shell_command'.", result.Output);
    }

    [Fact]
    public void ResolveToolResult_DeferredResult_ShowsTheRecordedInputAndOutputAndTheRestFallBackAtTheEnd()
    {
        var mapper = new AcpUpdateMapper(TimeProvider.System, new SessionMetadata(), new AcpMapperOptions { DeferToolResults = true });
        mapper.BeginTurn("t");
        var events = new List<SessionEvent>();
        foreach (var id in new[] { "a", "b" })
        {
            events.AddRange(mapper.Map(new AcpSessionUpdate("s", new JsonObject { ["sessionUpdate"] = "tool_call", ["toolCallId"] = id, ["title"] = id, ["status"] = "in_progress" })));
            events.AddRange(mapper.Map(new AcpSessionUpdate("s", new JsonObject { ["sessionUpdate"] = "tool_call_update", ["toolCallId"] = id, ["status"] = "completed", ["rawOutput"] = $"acp said {id}" })));
        }

        Assert.DoesNotContain(events.OfType<BlockStartEvent>(), e => e.Block is ToolResultBlock);
        Assert.Equal(["a", "b"], mapper.PendingToolResults);
        events.AddRange(mapper.ResolveToolResult("a", new AcpToolDetails("shell", new JsonObject { ["command"] = "ls" }, "file.txt", IsError: false)));
        events.AddRange(mapper.EndTurn(new JsonObject { ["stopReason"] = "end_turn" }).Events);

        var projection = RecordedAcp.Project(events);
        var a = Assert.IsType<ToolUseBlock>(projection.GetBlock("a"));
        Assert.Equal(("shell", "ls"), (a.ToolName, a.Input.GetProperty("command").GetString()));
        Assert.Equal("file.txt", Assert.IsType<ToolResultBlock>(projection.GetBlock("a:result")).Output);
        Assert.Equal("acp said b", Assert.IsType<ToolResultBlock>(projection.GetBlock("b:result")).Output);
        Assert.Empty(mapper.PendingToolResults);
    }

    [Fact]
    public void EndTurn_ToolStillRunningAndAStopReason_FailsTheToolAndSaysWhyTheAgentStopped()
    {
        var events = Map(new JsonObject { ["sessionUpdate"] = "tool_call", ["toolCallId"] = "c", ["title"] = "Long", ["status"] = "in_progress" })
            .Concat(_mapper.EndTurn(new JsonObject { ["stopReason"] = "max_turn_requests" }).Events).ToList();

        var projection = RecordedAcp.Project(events);
        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("c")).Status);
        Assert.Equal("The turn ended before the tool finished.", Assert.IsType<ToolResultBlock>(projection.GetBlock("c:result")).Output);
        var stop = projection.Blocks.OfType<SystemBlock>().Single();
        Assert.Equal(("stop_reason", "The agent stopped: it reached its limit of model requests for one turn."), (stop.Subtype, stop.Message));
    }

    [Fact]
    public void EndTurn_AcpUsage_AddsToTheTotalsAndUsageUpdateCostIsKept()
    {
        var usage = new JsonObject { ["inputTokens"] = 100, ["outputTokens"] = 20, ["cachedReadTokens"] = 50, ["cachedWriteTokens"] = 5, ["totalTokens"] = 175 };

        var costEvents = Map(new JsonObject { ["sessionUpdate"] = "usage_update", ["size"] = 200000, ["used"] = 175, ["cost"] = new JsonObject { ["amount"] = 0.25, ["currency"] = "USD" } });
        _mapper.EndTurn(new JsonObject { ["stopReason"] = "end_turn", ["usage"] = usage.DeepClone() });
        var totals = _mapper.EndTurn(new JsonObject { ["stopReason"] = "end_turn", ["usage"] = usage.DeepClone() }).Events.OfType<MetadataUpdateEvent>().Single().Metadata;

        Assert.Equal(0.25m, Assert.IsType<MetadataUpdateEvent>(Assert.Single(costEvents)).Metadata.CostUsd);
        Assert.Equal((200L, 40L, 100L, 10L, 0.25m), (totals.Usage.InputTokens, totals.Usage.OutputTokens, totals.Usage.CacheReadInputTokens, totals.Usage.CacheCreationInputTokens, totals.CostUsd));
    }

    private IReadOnlyList<SessionEvent> Map(JsonObject update) => _mapper.Map(new AcpSessionUpdate("s", update));

    private static JsonObject Chunk(string kind, string text, string messageId) =>
        new() { ["sessionUpdate"] = kind, ["messageId"] = messageId, ["content"] = new JsonObject { ["type"] = "text", ["text"] = text } };

    private static JsonObject Entry(string content, string status) => new() { ["content"] = content, ["priority"] = "medium", ["status"] = status };
}
