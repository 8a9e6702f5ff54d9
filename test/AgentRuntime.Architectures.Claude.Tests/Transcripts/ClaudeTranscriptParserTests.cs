using System.Text;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Architectures.Claude.Transcripts;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.Tests.Transcripts;

public sealed class ClaudeTranscriptParserTests
{
    [Fact]
    public void Parse_RecordedTranscript_GivesTheBlocksTheLiveStreamGave()
    {
        var live = RecordedOutput.Project(RecordedOutput.Map(RecordedOutput.StreamLines("Conversation")));

        var parsed = ClaudeTranscriptParser.Parse(RecordedOutput.ConversationTranscript(), RecordedOutput.Session());

        // The stream's init/status notices are never recorded, and the user's prompts are not streamed back (the
        // runtime logs them itself); everything else is the same block, id, content, status and timestamp.
        Assert.Equal(
            live.Blocks.Where(b => b is not SystemBlock).Select(RecordedOutput.Json),
            parsed.Blocks.Where(b => b is not UserMessageBlock).Select(RecordedOutput.Json));
        Assert.Equal(live.Subagents.Select(s => s.Id), parsed.Subagents.Select(s => s.Id));
        Assert.Equal(live.Subagents[0].Blocks.Select(RecordedOutput.Json), parsed.Subagents[0].Blocks.Select(RecordedOutput.Json));
    }

    [Fact]
    public void Parse_RecordedTranscript_PutsEachPromptBeforeItsAnswer()
    {
        var parsed = ClaudeTranscriptParser.Parse(RecordedOutput.ConversationTranscript(), RecordedOutput.Session());

        var prompts = parsed.Blocks.Select((b, i) => (b, i)).Where(x => x.b is UserMessageBlock).ToList();

        Assert.Equal(["write a file", "use an agent", "fail a command"], prompts.Select(p => ((UserMessageBlock)p.b).Content));
        Assert.Equal(0, prompts[0].i);
        Assert.IsType<SubagentBlock>(parsed.Blocks[prompts[1].i + 1]);
        Assert.Equal("toolu_bad", parsed.Blocks[prompts[2].i + 1].Id);
    }

    [Fact]
    public void Parse_SubagentWithoutMetaFile_IsLinkedThroughTheAgentToolResult()
    {
        var files = RecordedOutput.ConversationTranscript().Where(f => !f.RelativePath.EndsWith(".meta.json", StringComparison.Ordinal)).ToList();

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        var thread = Assert.Single(parsed.Subagents);
        Assert.Equal("toolu_agent1", thread.Id);
        Assert.Equal(5, thread.Blocks.Count);
    }

    [Fact]
    public void Parse_LineCutShortByACrash_IsSkippedAndTheRestKept()
    {
        var files = RecordedOutput.ConversationTranscript().ToList();
        var main = files[0];
        files[0] = main with { Content = [.. main.Content, .. Encoding.UTF8.GetBytes("{\"type\":\"assistant\",\"message\":{\"id\":")] };

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        Assert.Equal("failed as expected", Assert.IsType<AssistantTextBlock>(parsed.Blocks[^1]).Content);
    }

    [Fact]
    public void Parse_BytesThatAreNotUtf8_ReadAsReplacementCharacters()
    {
        var files = RecordedOutput.ConversationTranscript().ToList();
        var prompt = "\"content\":\"write a file\""u8.ToArray();
        byte[] broken = [.. "\"content\":\"write a "u8, 0xFF, .. " file\""u8];
        files[0] = files[0] with { Content = Replace(files[0].Content, prompt, broken) };

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        Assert.Equal("write a \uFFFD file", Assert.IsType<UserMessageBlock>(parsed.Blocks[0]).Content);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Parse_OtherLineEnds_GiveTheSameBlocks(string lineEnd)
    {
        var files = RecordedOutput.ConversationTranscript().ToList();
        var expected = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());
        files = files.Select(f => f with { Content = Replace(f.Content, "\n"u8.ToArray(), Encoding.UTF8.GetBytes(lineEnd)) }).ToList();

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        Assert.Equal(expected.Blocks.Select(RecordedOutput.Json), parsed.Blocks.Select(RecordedOutput.Json));
        Assert.Equal(expected.Subagents[0].Blocks.Select(RecordedOutput.Json), parsed.Subagents[0].Blocks.Select(RecordedOutput.Json));
    }

    [Fact]
    public void Parse_LineWithADuplicateKey_IsReadWithTheLastValue()
    {
        // A JsonObject refuses duplicate keys: the DOM-based parser threw out of Parse, losing the whole session.
        var files = RecordedOutput.ConversationTranscript().ToList();
        var line = "{\"type\":\"user\",\"uuid\":\"u-1\",\"uuid\":\"u-2\",\"timestamp\":\"2026-11-23T19:23:18.000Z\",\"message\":{\"role\":\"user\",\"content\":\"again\"}}\n";
        files[0] = files[0] with { Content = [.. files[0].Content, .. Encoding.UTF8.GetBytes(line)] };

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        Assert.Equal(("u-2", "again"), (parsed.Blocks[^1].Id, Assert.IsType<UserMessageBlock>(parsed.Blocks[^1]).Content));
    }

    [Fact]
    public void Parse_NoMainTranscript_GivesNoBlocks()
    {
        var files = RecordedOutput.ConversationTranscript().Skip(1).ToList();

        var parsed = ClaudeTranscriptParser.Parse(files, RecordedOutput.Session());

        Assert.Empty(parsed.Blocks);
        Assert.Empty(parsed.Subagents);
    }

    [Fact]
    public void Parse_TranscriptOfAnotherSession_IsIgnored()
    {
        var parsed = ClaudeTranscriptParser.Parse(RecordedOutput.ConversationTranscript(), RecordedOutput.Session(Guid.NewGuid().ToString()));

        Assert.Empty(parsed.Blocks);
    }

    private static byte[] Replace(byte[] content, byte[] find, byte[] replacement)
    {
        var result = new List<byte>(content.Length);
        var rest = content.AsSpan();
        for (var at = rest.IndexOf(find); at >= 0; at = rest.IndexOf(find))
        {
            result.AddRange(rest[..at]);
            result.AddRange(replacement);
            rest = rest[(at + find.Length)..];
        }

        result.AddRange(rest);
        return [.. result];
    }
}
