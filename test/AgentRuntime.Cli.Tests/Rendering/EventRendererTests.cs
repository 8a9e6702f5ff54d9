using System.Text.Json;
using AgentRuntime.Blocks;
using AgentRuntime.Cli.Rendering;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using Spectre.Console.Testing;

namespace AgentRuntime.Cli.Tests.Rendering;

public sealed class EventRendererTests
{
    [Fact]
    public void ToolTurn_Recorded_ShowsTextThinkingFoldedToolsWithStatusAndUsage()
    {
        var lines = Render("tool-calls").Lines;

        Assert.Equal(
            [
                "› Create hello.txt",
                "starting the sandbox…",
                "thinking… (41 chars)",
                "I will create the file.",
                "⋯ Bash  echo hi > hello.txt && cat hello.txt",
                "✓ Bash  echo hi > hello.txt && cat hello.txt",
                "  ⎿ hi · 81 ms",
                "+ hello.txt created (3 B)",
                "⋯ Bash  cat missing.txt",
                "✗ Bash  cat missing.txt",
                "  ⎿ Exit code 1: cat: missing.txt: No such file or directory · 32 ms",
                "Created hello.txt; missing.txt does not exist.",
                "─ 1,220 in · 90 out · 300 cached · $0.0067 · claude-opus-5-5",
            ],
            lines);
    }

    [Fact]
    public void TextDeltas_AreWrittenAsTheyArrive_BeforeTheBlockCompletes()
    {
        var console = new TestConsole();
        var renderer = new EventRenderer(console);
        var events = RecordedEvents.Load("tool-calls");
        var firstDelta = events.OfType<BlockDeltaEvent>().First(d => d.Delta == "I will c");

        foreach (var e in events.TakeWhile(e => e.Seq <= firstDelta.Seq))
        {
            renderer.Render(e);
        }

        Assert.EndsWith("\nI will c", console.Output, StringComparison.Ordinal);
        renderer.Render(events.Single(e => e.Seq == firstDelta.Seq + 1));
        Assert.EndsWith("\nI will create th", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Thinking_IsFoldedToOneDimLine_WithoutItsText()
    {
        var console = new TestConsole().EmitAnsiSequences();
        var renderer = new EventRenderer(console);
        foreach (var e in RecordedEvents.Load("tool-calls"))
        {
            renderer.Render(e);
        }

        Assert.DoesNotContain("The user wants a file", console.Output, StringComparison.Ordinal);
        Assert.Contains("\u001b[2mthinking…\u001b[0m\u001b[2m (41 chars)\u001b[0m", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Subagent_Recorded_IndentsItsThreadUnderTheCallThatStartedIt()
    {
        var lines = Render("subagent").Lines.ToList();

        var start = lines.IndexOf("⋯ subagent general-purpose  Count files");
        Assert.True(start >= 0, string.Join('\n', lines));
        Assert.Equal("  Subagent found 42 files.", lines[start + 1]);
        Assert.Equal("✓ subagent general-purpose  Count files", lines[start + 2]);
        Assert.Equal("The subagent says 42.", lines[start + 3]);
        Assert.DoesNotContain(lines, l => l.Contains("Count the files in the workspace", StringComparison.Ordinal));
    }

    [Fact]
    public void Approval_RecordedDenial_ShowsTheRequestItsAnswerAndTheFailedCall()
    {
        var lines = Render("approval-denied").Lines.ToList();

        var request = lines.IndexOf("? Bash asks for approval: rm -rf build  [ap_5e3d4a56b2924210a940f8bb09a7aec4]");
        Assert.True(request > 0, string.Join('\n', lines));
        Assert.Equal(["✗ denied: not now", "✗ Bash  rm -rf build", "  ⎿ not now · 137 ms"], lines.Skip(request + 1).Take(3));
        Assert.Equal("─ 10 in · 5 out · $0.0001 · session $0.0004 · claude-opus-5-5", lines[^1]);
    }

    [Fact]
    public void FailedTurn_Recorded_ShowsTheErrorInRedOnce()
    {
        var console = new TestConsole().Width(200).EmitAnsiSequences();
        var renderer = new EventRenderer(console);
        foreach (var e in RecordedEvents.Load("turn-failed"))
        {
            renderer.Render(e);
        }

        var red = RedSequence();
        Assert.Contains($"{red}✗ No Gemini API key is configured. Set AgentRuntime:Gemini:ApiKey or GEMINI_API_KEY. (missing_api_key)", console.Output, StringComparison.Ordinal);
        Assert.Contains($"{red}✗ turn failed\u001b[0m", console.Output, StringComparison.Ordinal);
        Assert.Single(console.Output.Split("No Gemini API key").Skip(1));
    }

    [Fact]
    public void InterruptedTurn_Recorded_SaysSo()
    {
        var lines = Render("interrupted").Lines;

        Assert.Equal("✗ Bash  sleep 30", lines[3]);
        Assert.Equal(["! Interrupted by the user.", "⏹ interrupted"], lines.Skip(lines.Count - 3).Take(2));
    }

    [Fact]
    public void NestedSubagentToolCalls_AreIndentedByDepth()
    {
        var at = DateTimeOffset.UnixEpoch;
        var events = new SessionEvent[]
        {
            new BlockCompleteEvent { Seq = 1, ConversationId = "main", BlockId = "sa", Block = new SubagentBlock { Id = "sa", SubagentId = "sa", Name = "explorer", Status = ToolStatus.Running, Input = JsonElement.Parse("""{"description":"Look around"}"""), Timestamp = at } },
            new BlockCompleteEvent { Seq = 2, ConversationId = "sa", BlockId = "t1", Block = new ToolUseBlock { Id = "t1", ToolName = "Grep", ToolUseId = "t1", Status = ToolStatus.Running, Input = JsonElement.Parse("""{"pattern":"TODO"}"""), Timestamp = at } },
            new BlockUpdateEvent { Seq = 3, ConversationId = "sa", BlockId = "t1", Updates = new BlockUpdate { Status = ToolStatus.Success } },
            new BlockCompleteEvent { Seq = 4, ConversationId = "sa", BlockId = "t1:r", Block = new ToolResultBlock { Id = "t1:r", ToolUseId = "t1", Output = "a.cs:3: TODO\nb.cs:9: TODO", Timestamp = at } },
            new BlockStartEvent { Seq = 5, ConversationId = "sa", Block = new AssistantTextBlock { Id = "x", Content = "", Timestamp = at } },
            new BlockDeltaEvent { Seq = 6, ConversationId = "sa", BlockId = "x", Delta = "Two TODOs\nin two " },
            new BlockDeltaEvent { Seq = 7, ConversationId = "sa", BlockId = "x", Delta = "files." },
            new BlockCompleteEvent { Seq = 8, ConversationId = "sa", BlockId = "x", Block = new AssistantTextBlock { Id = "x", Content = "Two TODOs\nin two files.", Timestamp = at } },
            new BlockUpdateEvent { Seq = 9, ConversationId = "main", BlockId = "sa", Updates = new BlockUpdate { Status = ToolStatus.Success, Output = "Two TODOs" } },
        };
        var console = new TestConsole();
        var renderer = new EventRenderer(console);
        foreach (var e in events)
        {
            renderer.Render(e);
        }

        Assert.Equal(
            [
                "⋯ subagent explorer  Look around",
                "  ⋯ Grep  TODO",
                "  ✓ Grep  TODO",
                "    ⎿ a.cs:3: TODO (+1 lines)",
                "  Two TODOs",
                "  in two files.",
                "✓ subagent explorer  Look around",
            ],
            console.Lines);
    }

    [Theory]
    [InlineData("tool-calls")]
    [InlineData("subagent")]
    public void StoredConversation_RendersAsTheLiveTurnDidLessWhatOnlyEventsCarry(string recording)
    {
        var projection = new ConversationProjection();
        foreach (var e in RecordedEvents.Load(recording))
        {
            projection.Apply(e);
        }

        var stored = new TestConsole().Width(200);
        new EventRenderer(stored).RenderConversation(projection.Blocks, projection.Subagents);

        // Only events carry the sandbox notice, file changes and usage; a stored tool call is finished, never running.
        var live = Render(recording).Lines.Where(l =>
            l is not "starting the sandbox…"
            && !l.StartsWith("+ ", StringComparison.Ordinal)
            && !l.StartsWith("─ ", StringComparison.Ordinal)
            && !l.StartsWith("⋯ Bash", StringComparison.Ordinal));
        Assert.Equal(live, stored.Lines);
    }

    [Fact]
    public void ToolInput_LongOrMultiline_IsShortenedToOneLine()
    {
        var input = JsonElement.Parse("""{"command":"for f in *; do\n  echo \"$f\"\ndone && echo 0123456789012345678901234567890123456789012345678901234567890123456789"}""");

        var summary = ToolInputSummary.Of(input);

        Assert.Equal(72, summary.Length);
        Assert.StartsWith("for f in *; do⏎  echo \"$f\"⏎done", summary, StringComparison.Ordinal);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
        Assert.Equal("""{"a":1}""", ToolInputSummary.Of(JsonElement.Parse("""{"a":1}""")));
        Assert.Equal("", ToolInputSummary.Of(JsonElement.Parse("{}")));
    }

    private static TestConsole Render(string recording)
    {
        var console = new TestConsole().Width(200);
        var renderer = new EventRenderer(console);
        foreach (var e in RecordedEvents.Load(recording))
        {
            renderer.Render(e);
        }

        return console;
    }

    private static string RedSequence()
    {
        var probe = new TestConsole().EmitAnsiSequences();
        probe.Write(new Spectre.Console.Text("x", new Spectre.Console.Style(Spectre.Console.Color.Red)));
        return probe.Output[..probe.Output.IndexOf('x', StringComparison.Ordinal)];
    }
}
