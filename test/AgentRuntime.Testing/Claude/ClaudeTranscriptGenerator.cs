using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRuntime.Architectures;
using AgentRuntime.Sessions;

namespace AgentRuntime.Testing.Claude;

/// <summary>
/// Writes a Claude Code session's transcript files (the main JSONL, subagent JSONL and <c>.meta.json</c> files) the
/// way the CLI lays them out, from a seed: the same seed and size give the same bytes on every machine. The mix
/// follows real transcripts: most lines are the CLI's bookkeeping (attachments, API request records, queue
/// operations, snapshots, summaries); the dialogue has prompts (some with images), thinking (some redacted), text,
/// tool calls one per line with their <c>apiBlockIndex</c>, tool results (errors, image and odd content, now and
/// then a huge file read that the structured result repeats), Agent and older Task calls whose subagents write
/// their own files (linked through a meta file, through the result's <c>agentId</c>, or not at all), sidechain
/// entries left in the main file by older CLIs, <c>system</c> entries, unknown entry and content types, timestamps
/// out of order or with an offset, blank and malformed lines, and a last line cut short.
/// </summary>
public sealed partial class ClaudeTranscriptGenerator
{
    /// <summary>The session the generated files belong to.</summary>
    public const string SessionId = "5e55a0c1-7a2b-4c3d-9e8f-123456789abc";

    private const string Project = ".claude/projects/-work-ws";
    private const string Cwd = "/work/ws";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Words =
    [
        "the", "parser", "reads", "each", "line", "of", "transcript", "and", "builds", "blocks", "from", "it", "with",
        "a", "tool", "call", "result", "function", "returns", "value", "test", "passes", "fails", "file", "path",
        "naïve", "café", "über", "日本語", "テスト", "données", "—", "→", "✓", "🚀", "emoji 🎉", "\"quoted\"", "back\\slash",
        "tab\tseparated", "C:\\Users\\dev", "<tag>", "a & b", "50%", "x == y", "{braces}", "[brackets]", "it's",
    ];

    private readonly Random _random;
    private readonly int _hugeResultBytes;
    private readonly List<(string Path, FileWriter Writer)> _subagentFiles = [];
    private readonly List<NativeTranscriptFile> _metaFiles = [];
    private DateTimeOffset _clock = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private int _subagents;
    private int _mainReads;

    private ClaudeTranscriptGenerator(int seed, int hugeResultBytes)
    {
        _random = new Random(seed);
        _hugeResultBytes = hugeResultBytes;
    }

    /// <summary>The session record the files belong to.</summary>
    public static SessionRecord Session() => new()
    {
        SessionId = SessionId,
        Architecture = "claude-agent-sdk",
        AgentProfileRef = "default",
        CreatedAt = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero),
        LastActivity = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero),
    };

    /// <summary>
    /// Generates a transcript of about <paramref name="lines"/> lines over all its files. A huge tool result (a file
    /// read of <paramref name="hugeResultBytes"/>, which the structured result repeats) is one main-thread read in 200.
    /// 50,000 lines with the default huge result make about 57 MB.
    /// </summary>
    public static IReadOnlyList<NativeTranscriptFile> Generate(int lines, int seed = 13, int hugeResultBytes = 256 << 10)
    {
        var generator = new ClaudeTranscriptGenerator(seed, hugeResultBytes);
        var main = new FileWriter(isSidechain: false, agentId: null);
        var turn = 0;
        while (main.Lines + generator._subagentFiles.Sum(f => f.Writer.Lines) < lines)
        {
            generator.Turn(main, turn++);
        }

        // A crash mid-write leaves the last line cut short.
        main.Raw("""{"parentUuid":"x","isSidechain":false,"type":"assistant","message":{"id":"msg_cut","content":[{"type":"text","text":"never fini""");
        var files = new List<NativeTranscriptFile> { new($"{Project}/{SessionId}.jsonl", main.ToArray()) };
        files.AddRange(generator._subagentFiles.Select(f => new NativeTranscriptFile(f.Path, f.Writer.ToArray())));
        files.AddRange(generator._metaFiles);
        return files;
    }

    private void Turn(FileWriter main, int turn)
    {
        main.Line(w => QueueOperation(w, "enqueue"));
        main.Line(w => QueueOperation(w, "dequeue"));
        if (turn % 7 == 3)
        {
            // Context the CLI adds for the model before the prompt; not shown.
            main.Line(w => User(w, main, Text(12), isMeta: true));
        }

        var promptKind = turn % 11;
        main.Line(w => User(w, main, promptKind == 5 ? null : Text(_random.Next(4, 60)), images: promptKind is 5 or 8 && turn % 2 == 1));
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            main.Line(w => Attachment(w, main));
        }

        Bookkeeping(main);
        var steps = _random.Next(2, 9);
        for (var step = 0; step < steps; step++)
        {
            Step(main, turn, step, last: step == steps - 1);
            if (_random.Next(6) == 0)
            {
                Bookkeeping(main);
            }
        }

        Extras(main, turn);
    }

    // One model call: its content blocks, each recorded as its own assistant line, then the results of its tool calls.
    private void Step(FileWriter file, int turn, int step, bool last)
    {
        var messageId = $"msg_{Id(20)}";
        var model = turn % 29 == 28 && step == 0 ? "<synthetic>" : "claude-opus-5-5";
        var calls = new List<ToolCall>();
        var index = 0;
        if (model == "<synthetic>")
        {
            // The CLI's own answer when the API failed.
            file.Line(w => Assistant(w, file, messageId, model, 0, w2 => TextContent(w2, "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}")));
            return;
        }

        if (turn % 13 == 6 && step == 1)
        {
            // Older CLIs recorded a whole message on one line, without apiBlockIndex.
            var call = NewCall(file, "Bash", turn);
            calls.Add(call);
            file.Line(w => Assistant(w, file, messageId, model, apiBlockIndex: null, w2 =>
            {
                ThinkingContent(w2, Text(30));
                TextContent(w2, Text(20));
                ToolUseContent(w2, call);
            }));
        }
        else
        {
            if (_random.Next(10) < 6)
            {
                var redacted = _random.Next(40) == 0;
                var thinking = Text(_random.Next(10, 120));
                file.Line(w => Assistant(w, file, messageId, model, index, w2 =>
                {
                    if (redacted)
                    {
                        w2.WriteStartObject();
                        w2.WriteString("type", "redacted_thinking");
                        w2.WriteString("data", Base64(300));
                        w2.WriteEndObject();
                    }
                    else
                    {
                        ThinkingContent(w2, thinking);
                    }
                }));
                index++;
            }

            if (_random.Next(10) < 6 || last)
            {
                var text = Text(_random.Next(5, last ? 400 : 80));
                var apiBlockIndex = index;
                file.Line(w => Assistant(w, file, messageId, model, apiBlockIndex, w2 => TextContent(w2, text)));
                if (_random.Next(150) == 0)
                {
                    // The same block recorded again (a retried write): it replaces the first in place.
                    var again = text + " (again)";
                    file.Line(w => Assistant(w, file, messageId, model, apiBlockIndex, w2 => TextContent(w2, again)));
                }

                index++;
            }

            if (!last)
            {
                var count = _random.Next(8) == 0 ? 2 : 1;
                for (var i = 0; i < count; i++)
                {
                    var call = NewCall(file, PickTool(file, turn, step, i), turn);
                    calls.Add(call);
                    var apiBlockIndex = index++;
                    var asDouble = turn % 17 == 9 && step == 0;
                    file.Line(w => Assistant(w, file, messageId, model, apiBlockIndex, w2 => ToolUseContent(w2, call), asDouble));
                }
            }

            if (turn % 19 == 10 && step == 0)
            {
                // A server tool and the result block this runtime does not render.
                var search = new ToolCall($"srvtoolu_{Id(16)}", "web_search", """{"query":"utf8 json reader"}""", "");
                file.Line(w => Assistant(w, file, messageId, model, index, w2 => ToolUseContent(w2, search, "server_tool_use")));
                var resultIndex = index + 1;
                file.Line(w => Assistant(w, file, messageId, model, resultIndex, w2 =>
                {
                    w2.WriteStartObject();
                    w2.WriteString("type", "web_search_tool_result");
                    w2.WriteString("tool_use_id", search.Id);
                    w2.WriteStartArray("content");
                    w2.WriteStartObject();
                    w2.WriteString("type", "web_search_result");
                    w2.WriteString("title", Text(6));
                    w2.WriteString("url", "https://example.com/a?b=c&d=é");
                    w2.WriteEndObject();
                    w2.WriteEndArray();
                    w2.WriteEndObject();
                }));
            }
        }

        var agents = calls.Where(c => c.Name is "Agent" or "Task").ToList();
        var start = _clock;
        var end = start;
        foreach (var agent in agents)
        {
            _clock = start;
            agent.AgentId = Subagent(agent, file, turn);
            end = _clock > end ? _clock : end;
        }

        _clock = end;
        var parallel = calls.Count > 1 && _random.Next(2) == 0;
        if (parallel)
        {
            file.Line(w => ToolResults(w, file, calls));
        }
        else
        {
            foreach (var call in calls)
            {
                if (call.Interrupted)
                {
                    // An interrupted subagent: no result ever comes.
                    continue;
                }

                for (var i = call.Name == "Bash" ? _random.Next(4) : 0; i > 0; i--)
                {
                    file.Line(w => Progress(w, file, call));
                }

                file.Line(w => ToolResults(w, file, [call]));
            }
        }
    }

    private string PickTool(FileWriter file, int turn, int step, int i)
    {
        // Every 20th turn runs a subagent, and (so that a short transcript has them all) every 5th of the first 30.
        if (file.AgentId is null && step == 1 && i == 0 && (turn % 20 == 2 || turn < 30 && turn % 5 == 2))
        {
            return _subagents % 3 == 1 ? "Task" : "Agent";
        }

        if (file.AgentId is not null && file.Depth < 2 && _random.Next(60) == 0)
        {
            return "Task";
        }

        return _random.Next(20) switch
        {
            < 6 => "Bash",
            < 11 => "Read",
            < 13 => "Edit",
            < 14 => "Write",
            < 16 => "Grep",
            < 17 => "TodoWrite",
            < 18 => "mcp__github__get_issue",
            _ => "Glob",
        };
    }

    // A subagent's own file, written while its Agent call runs; returns its agent id.
    private string Subagent(ToolCall call, FileWriter parent, int turn)
    {
        var number = _subagents++;
        var agentId = Id(17).ToLowerInvariant();
        var path = $"{Project}/{SessionId}/subagents/agent-{agentId}.jsonl";
        var file = new FileWriter(isSidechain: true, agentId) { Depth = parent.Depth + 1 };
        _subagentFiles.Add((path, file));

        // How the file is linked to its call: a meta file naming the call (current CLIs), the Agent result's agentId,
        // both, or (the oldest Task calls) neither, which leaves an orphan thread.
        var link = number % 4;
        call.ResultNamesAgent = call.Name == "Agent" || link == 1;
        call.Interrupted = number % 9 == 3;
        if (link is 0 or 2)
        {
            // Now and then cut short, or without the call's id.
            var meta = number % 11 == 2
                ? "{\"agentType\":\"general-purpose\",\"toolUseId\":"
                : $$"""{"agentType":"general-purpose","isBuiltIn":true,"description":"Sub task {{number}}",{{(number % 8 == 4 ? "" : $"\"toolUseId\":\"{call.Id}\",")}}"spawnDepth":1,"finished":true}""";
            _metaFiles.Add(new NativeTranscriptFile(path[..^".jsonl".Length] + ".meta.json", Encoding.UTF8.GetBytes(meta)));
        }

        file.Line(w => User(w, file, Text(_random.Next(20, 120))));
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            file.Line(w => Attachment(w, file));
        }

        var steps = _random.Next(1, 7);
        for (var step = 0; step < steps; step++)
        {
            Step(file, turn, step, last: step == steps - 1);
        }

        return agentId;
    }

    private sealed class ToolCall(string id, string name, string input, string output)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string Input { get; } = input;

        public string Output { get; } = output;

        public bool IsError { get; init; }

        public string? AgentId { get; set; }

        public bool Interrupted { get; set; }

        public bool ResultNamesAgent { get; set; }
    }

    // One JSONL file being written: each line is an object written by the caller, or raw text.
    private sealed class FileWriter(bool isSidechain, string? agentId)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
        private readonly Utf8JsonWriter _writer = new(Stream.Null, WriterOptions);

        public bool IsSidechain { get; } = isSidechain;

        public string? AgentId { get; } = agentId;

        public int Depth { get; init; }

        public string? LastUuid { get; set; }

        public int Lines { get; private set; }

        public void Line(Action<Utf8JsonWriter> body)
        {
            _writer.Reset(_buffer);
            _writer.WriteStartObject();
            body(_writer);
            _writer.WriteEndObject();
            _writer.Flush();
            _buffer.Write("\n"u8);
            Lines++;
        }

        public void Raw(string text)
        {
            _buffer.Write(Encoding.UTF8.GetBytes(text + "\n"));
            Lines++;
        }

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
    }

    private sealed class JsonText : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);

        public JsonText() => Writer = new Utf8JsonWriter(_buffer, WriterOptions);

        public Utf8JsonWriter Writer { get; }

        public string ToText() => Encoding.UTF8.GetString(_buffer.WrittenSpan);

        public void Dispose() => Writer.Dispose();
    }
}
