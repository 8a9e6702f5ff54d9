using System.Text;
using AgentRuntime.Architectures.Gemini.Sessions;

namespace AgentRuntime.Architectures.Gemini.Tests.Sessions;

public sealed class GeminiConversationTests
{
    [Fact]
    public void Parse_RecordsSetAndRewind_FollowsTheCliRules()
    {
        var file = string.Join('\n',
            """{"sessionId":"s1","projectHash":"h","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-01T00:00:00Z","kind":"main"}""",
            """{"$set":{"messages":[{"id":"ctx","type":"user","content":[{"text":"<session_context>x</session_context>"}]}]}}""",
            """{"id":"u1","type":"user","content":[{"text":"first"}]}""",
            """{"id":"g1","type":"gemini","content":"draft"}""",
            """{"id":"g1","type":"gemini","content":"final"}""",
            """{"id":"u2","type":"user","content":[{"text":"second"}]}""",
            """{"id":"g2","type":"gemini","content":"to be dropped"}""",
            """{"$rewindTo":"u2"}""",
            """{"$set":{"lastUpdated":"2026-01-01T00:05:00Z"}}""",
            """{"id":"u3","type":"user","content":[{"text":"third"}]}""",
            """{"id":"cut short""");

        var conversation = GeminiConversation.Parse(Encoding.UTF8.GetBytes(file), "chats/session-2026-01-01T00-00-s1.jsonl");

        Assert.Equal(("s1", "2026-01-01T00:05:00Z", true), (conversation.SessionId, conversation.LastUpdated, conversation.IsResumable));
        Assert.Equal(["ctx", "u1", "g1", "u3"], conversation.Messages.Select(m => m["id"]!.GetValue<string>()));
        Assert.Equal("final", conversation.Messages[2]["content"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_OnlyTheSessionContext_IsNotResumable()
    {
        var file = """
            {"sessionId":"s1","projectHash":"h","startTime":"2026-01-01T00:00:00Z","kind":"main"}
            {"$set":{"messages":[{"id":"ctx","type":"user","content":[{"text":"<session_context>x</session_context>"}]}]}}
            """;

        Assert.False(GeminiConversation.Parse(Encoding.UTF8.GetBytes(file), "session-x.jsonl").IsResumable);
    }

    [Theory]
    [InlineData("/workspace", "workspace")]
    [InlineData("/tmp/x/My Project!", "my-project")]
    [InlineData("/", "project")]
    public void ProjectId_WorkspacePath_IsTheCliSlugOfItsName(string workspace, string expected) =>
        Assert.Equal(expected, GeminiProjectPaths.ProjectId(workspace));

    [Theory]
    [InlineData("a/chats/session-2026-11-23T19-49-0885e6d4.jsonl", "2026-11-23T19:49:00Z")]
    [InlineData("a/chats/session-2026-11-23T19-49-0885e6d4-resumed.jsonl", null)]
    [InlineData("a/chats/other.jsonl", null)]
    public void CreatedMinute_FileName_IsTheMinuteOfTheCliName(string path, string? expected) =>
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), GeminiProjectPaths.CreatedMinute(path));

    [Theory]
    [InlineData("run_shell_command__run_shell_command_1795463366325_0", "run_shell_command")]
    [InlineData("write_file__abc", "write_file")]
    [InlineData("no-separator", null)]
    public void ToolName_GeminiCallId_IsItsPrefix(string id, string? expected) =>
        Assert.Equal(expected, GeminiToolCalls.ToolName(new System.Text.Json.Nodes.JsonObject { ["toolCallId"] = id }));
}
