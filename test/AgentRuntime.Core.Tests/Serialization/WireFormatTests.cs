using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Serialization;

public sealed class WireFormatTests
{
    [Fact]
    public void Event_Serialized_HasTheEnvelopeTypeAndCamelCaseEnums()
    {
        SessionEvent e = new BlockCompleteEvent
        {
            Seq = 7,
            SessionId = "s",
            Timestamp = DateTimeOffset.UnixEpoch,
            ConversationId = "main",
            BlockId = "u",
            Block = new ToolUseBlock { Id = "u", Timestamp = DateTimeOffset.UnixEpoch, ToolName = "Bash", ToolUseId = "u", Status = ToolStatus.Success },
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent))!.AsObject();

        Assert.Equal("session:block:complete", (string?)json["type"]);
        Assert.Equal(7, (long?)json["seq"]);
        Assert.Equal("tool_use", (string?)json["block"]!["type"]);
        Assert.Equal("success", (string?)json["block"]!["status"]);
        Assert.Equal("toolName", json["block"]!.AsObject().Select(p => p.Key).Single(k => k == "toolName"));
    }

    [Fact]
    public void ListItem_Serialized_UsesCamelCaseEnumValuesAndOmitsNulls()
    {
        var item = new SessionListItem
        {
            SessionId = "s",
            Architecture = "claude-agent-sdk",
            AgentProfileRef = "default",
            CreatedAt = DateTimeOffset.UnixEpoch,
            LastActivity = DateTimeOffset.UnixEpoch,
            TurnState = TurnState.Idle,
            Runtime = new SessionRuntime { IsLoaded = true, Sandbox = new SandboxInfo { SandboxId = "x", Status = SandboxStatus.Ready } },
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(item, AgentRuntimeJsonContext.Default.SessionListItem))!.AsObject();

        Assert.Equal("idle", (string?)json["turnState"]);
        Assert.Equal("ready", (string?)json["runtime"]!["sandbox"]!["status"]);
        Assert.False(json.ContainsKey("name"));
    }

    [Fact]
    public void Event_WithTypeNotFirst_StillDeserializes()
    {
        var e = JsonSerializer.Deserialize("""{"seq":3,"turnId":"t","type":"session:turn:completed","sessionId":"s","timestamp":"2026-01-01T00:00:00+00:00"}""",
            AgentRuntimeJsonContext.Default.SessionEvent);

        Assert.Equal("t", Assert.IsType<TurnCompletedEvent>(e).TurnId);
    }
}
