using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Architectures.Claude.Transcripts;
using AgentRuntime.Blocks;
using AgentRuntime.Testing.Claude;

namespace AgentRuntime.Architectures.Claude.Tests.Transcripts;

/// <summary>
/// The parser against what it gave before it became a streaming parser. The golden file and the hash were written
/// by the DOM-based parser (a <c>JsonNode</c> per line) from the same generator and seeds, so any difference is a
/// change in behaviour. If the generator changes, regenerate them with that parser (commit "Transcript parse: a
/// deterministic transcript generator, ..."), by running these tests with <c>AGENT_RUNTIME_WRITE_GOLDEN=1</c>
/// there; never with the parser under test.
/// </summary>
public sealed class ClaudeTranscriptParserGoldenTests
{
    // The benchmark's transcript: 50,000 lines, 57 MB in 111 files.
    private const string BenchmarkTranscriptSha256 = "4983e3d85b69b6428fd787611fb7b1e51d5b678a0b6b31909b8bb7c206c47fe2";

    [Fact]
    public void Parse_GeneratedTranscript_GivesTheGoldenBlocks()
    {
        var files = ClaudeTranscriptGenerator.Generate(lines: 1_100, seed: 13, hugeResultBytes: 16 << 10);

        var parsed = ClaudeTranscriptParser.Parse(files, ClaudeTranscriptGenerator.Session());

        var actual = Golden(parsed);
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Generated", "parsed.golden.json");
        if (Environment.GetEnvironmentVariable("AGENT_RUNTIME_WRITE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), "..", "Fixtures", "Generated", "parsed.golden.json"), actual);
        }

        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Fact]
    public void Parse_GeneratedTranscript_CoversWhatTheGoldenFileIsFor()
    {
        var files = ClaudeTranscriptGenerator.Generate(lines: 1_100, seed: 13, hugeResultBytes: 16 << 10);

        var parsed = ClaudeTranscriptParser.Parse(files, ClaudeTranscriptGenerator.Session());

        var all = parsed.Blocks.Concat(parsed.Subagents.SelectMany(s => s.Blocks)).ToList();
        Assert.Contains(all, b => b is ThinkingBlock { Content: "[redacted]" });
        Assert.Contains(all, b => b is ThinkingBlock { Content.Length: > 0 } and not { Content: "[redacted]" });
        Assert.Contains(all, b => b is AssistantTextBlock { Model: "<synthetic>" });
        Assert.Contains(all, b => b is ToolUseBlock { Status: ToolStatus.Error });
        Assert.Contains(all, b => b is ToolUseBlock { Status: ToolStatus.Success });
        Assert.Contains(all, b => b is ToolResultBlock { IsError: true });
        Assert.Contains(all, b => b is ToolResultBlock { DurationMs: null });
        Assert.Contains(all, b => b is ToolResultBlock { Output.Length: > 16_000 });
        Assert.Contains(all, b => b is UserMessageBlock { Content: "[image]" });
        Assert.Contains(all, b => b is SystemBlock { Subtype: "unknown_content" });
        Assert.Contains(all, b => b is SystemBlock { Subtype: "compact_boundary" });
        Assert.Contains(all, b => b is SystemBlock { Subtype: "turn_duration" });
        Assert.Contains(all, b => b is SubagentBlock { Status: ToolStatus.Success, Output.Length: > 0 });
        Assert.Contains(all, b => b is SubagentBlock { Status: ToolStatus.Running });
        Assert.Contains(parsed.Subagents, s => s.Id.StartsWith("agent-", StringComparison.Ordinal));
        Assert.True(parsed.Subagents.Count(s => s.Id.StartsWith("toolu_", StringComparison.Ordinal) && s.Blocks.Count > 0) >= 4);
    }

    [Fact]
    public void Parse_BenchmarkTranscript_HashesAsBefore()
    {
        var files = ClaudeTranscriptGenerator.Generate(lines: 50_000);

        var parsed = ClaudeTranscriptParser.Parse(files, ClaudeTranscriptGenerator.Session());

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Golden(parsed))));
        if (Environment.GetEnvironmentVariable("AGENT_RUNTIME_WRITE_GOLDEN") == "1")
        {
            var source = Path.Combine(SourceDirectory(), "ClaudeTranscriptParserGoldenTests.cs");
            var text = File.ReadAllText(source);
            File.WriteAllText(source, text.Replace($"BenchmarkTranscriptSha256 = \"{BenchmarkTranscriptSha256}\"", $"BenchmarkTranscriptSha256 = \"{hash}\"", StringComparison.Ordinal));
        }

        Assert.Equal(BenchmarkTranscriptSha256, hash);
    }

    // The blocks in their wire shape, one a line, so that a difference reads as a diff.
    private static string Golden(ParsedTranscript parsed)
    {
        var text = new StringBuilder();
        text.Append("{\"blocks\": [\n");
        text.AppendJoin(",\n", parsed.Blocks.Select(RecordedOutput.Json));
        text.Append("\n],\n\"subagents\": [\n");
        text.AppendJoin(",\n", parsed.Subagents.Select(s =>
            $"{{\"id\": \"{s.Id}\", \"blocks\": [\n{string.Join(",\n", s.Blocks.Select(RecordedOutput.Json))}\n]}}"));
        text.Append("\n]}\n");
        return text.ToString();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
