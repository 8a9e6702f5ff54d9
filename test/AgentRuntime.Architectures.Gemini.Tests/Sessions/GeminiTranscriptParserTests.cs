using AgentRuntime.Architectures.Gemini.Sessions;
using AgentRuntime.Blocks;
using AgentRuntime.Architectures.Gemini.Tests.Integration;

namespace AgentRuntime.Architectures.Gemini.Tests.Sessions;

/// <summary>
/// Against session files of the real Gemini CLI 0.61.0 (workspace <c>/tmp/gprobe/ws</c>): a turn with a thought, text
/// and a shell command, a text turn, and, after <c>session/load</c> in a new home a minute later, a third turn appended
/// to the same file, next to the stubs the CLI starts on every start-up.
/// </summary>
public sealed class GeminiTranscriptParserTests
{
    private const string SessionId = "0885e6d4-6833-4951-b294-b8feb02e216c";

    [Fact]
    public void Parse_RecordedSession_RebuildsTheDialogueInOrder()
    {
        var parsed = GeminiTranscriptParser.Parse(RecordedFiles(), GeminiSession.NewSession());

        Assert.Equal(
            [
                "user_message:Write a.txt", "thinking:**Planning**\nI will run a command.", "assistant_text:Let me run it.",
                "tool_use:run_shell_command", "tool_result:made-by-shell", "assistant_text:The file is written.",
                "user_message:And now?", "assistant_text:Second answer.", "user_message:Resumed?", "assistant_text:(exhausted)",
            ],
            parsed.Blocks.Select(b => TurnEvents.Kind(b) + ":" + b switch
            {
                UserMessageBlock u => u.Content,
                ThinkingBlock t => t.Content,
                AssistantTextBlock a => a.Content,
                ToolUseBlock t => t.ToolName,
                ToolResultBlock r => r.Output,
                _ => "",
            }));
        Assert.Empty(parsed.Subagents);
    }

    [Fact]
    public void Parse_RecordedShellCall_HasTheModelsArgumentsAndTheCallsIdAndTime()
    {
        var parsed = GeminiTranscriptParser.Parse(RecordedFiles(), GeminiSession.NewSession());

        var tool = Assert.Single(parsed.Blocks.OfType<ToolUseBlock>());
        var result = Assert.Single(parsed.Blocks.OfType<ToolResultBlock>());
        Assert.Equal("run_shell_command__run_shell_command_1795463366325_0", tool.ToolUseId);
        Assert.Equal((ToolStatus.Success, "echo made-by-shell > a.txt && cat a.txt"), (tool.Status, tool.Input.GetProperty("command").GetString()));
        Assert.Equal((tool.ToolUseId, false), (result.ToolUseId, result.IsError));
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T19:49:27.041Z", System.Globalization.CultureInfo.InvariantCulture), tool.Timestamp);
    }

    [Fact]
    public void Parse_OnlyStubs_ReturnsNothing()
    {
        var stubs = RecordedFiles().Where(f => !f.RelativePath.Contains("19-49", StringComparison.Ordinal)).ToList();

        var parsed = GeminiTranscriptParser.Parse(stubs, GeminiSession.NewSession());

        Assert.Empty(parsed.Blocks);
    }

    private static List<NativeTranscriptFile> RecordedFiles() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Session"))
            .Select(path => new NativeTranscriptFile($".gemini/tmp/ws/chats/{Path.GetFileName(path)}", File.ReadAllBytes(path)))
            .ToList();
}
