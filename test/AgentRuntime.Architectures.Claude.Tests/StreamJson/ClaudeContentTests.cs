using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.Tests.StreamJson;

public sealed class ClaudeContentTests
{
    [Fact]
    public void SubagentOutput_ReportWithHarnessNotes_KeepsOnlyTheReport()
    {
        // As the CLI 2.1.330 sends it when the subagent used tools before its report.
        var toolUseResult = JsonNode.Parse("""
            {"status":"completed","harnessNoteCount":1,"harnessTailCount":0,
             "content":[{"type":"text","text":"<tools-used-before-summary>Bash</tools-used-before-summary>\n"},{"type":"text","text":"Subagent result: 42"}]}
            """);

        Assert.Equal("Subagent result: 42", ClaudeContent.SubagentOutput(toolUseResult, JsonValue.Create("[Subagent hand-back] framed")));
    }

    [Fact]
    public void SubagentOutput_NoStructuredResult_FallsBackToTheToolResultText()
    {
        Assert.Equal("plain", ClaudeContent.SubagentOutput(null, JsonValue.Create("plain")));
    }

    [Fact]
    public void ToolResultText_BlocksOfTextAndImage_JoinsTextAndNamesTheImage()
    {
        var content = JsonNode.Parse("""[{"type":"text","text":"one"},{"type":"image","source":{}},{"type":"text","text":"two"}]""");

        Assert.Equal("one\n[image]\ntwo", ClaudeContent.ToolResultText(content));
    }

    [Fact]
    public void FromAssistant_TaskToolOfOlderVersions_IsASubagentToo()
    {
        var content = JsonNode.Parse("""{"type":"tool_use","id":"toolu_t","name":"Task","input":{"description":"Look around","prompt":"p"}}""")!.AsObject();

        var block = Assert.IsType<SubagentBlock>(ClaudeContent.FromAssistant(content, "msg_1", 0, "m", DateTimeOffset.UnixEpoch));

        Assert.Equal(("toolu_t", "toolu_t", "Look around", ToolStatus.Running), (block.Id, block.SubagentId, block.Name, block.Status));
    }

    [Fact]
    public void FromAssistant_UnknownContentType_IsShownAsUnknownContentWithItsJson()
    {
        var content = JsonNode.Parse("""{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]}""")!.AsObject();

        var block = Assert.IsType<SystemBlock>(ClaudeContent.FromAssistant(content, "msg_1", 2, "m", DateTimeOffset.UnixEpoch));

        Assert.Equal(("msg_1:2", "unknown_content"), (block.Id, block.Subtype));
        Assert.True(JsonNode.DeepEquals(content, block.Metadata));
    }
}
