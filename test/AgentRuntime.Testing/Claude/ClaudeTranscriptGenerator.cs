using System.Buffers;
using System.Globalization;
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
public sealed class ClaudeTranscriptGenerator
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

    private ToolCall NewCall(FileWriter file, string name, int turn)
    {
        var id = $"toolu_{Id(24)}";
        var huge = name == "Read" && file.AgentId is null && ++_mainReads % 200 == 20;
        string input;
        string output;
        using (var buffer = new JsonText())
        {
            var w = buffer.Writer;
            w.WriteStartObject();
            switch (name)
            {
                case "Bash":
                    w.WriteString("command", $"cd {Cwd} && dotnet test --filter \"{Word()}\" 2>&1 | tail -{_random.Next(5, 80)}");
                    w.WriteString("description", Text(5));
                    if (_random.Next(4) == 0)
                    {
                        w.WriteNumber("timeout", 120000);
                    }

                    output = Code(_random.Next(1, 12));
                    break;
                case "Read":
                    w.WriteString("file_path", $"{Cwd}/src/{Word()}/{Word()}.cs");
                    if (_random.Next(3) == 0)
                    {
                        w.WriteNumber("offset", _random.Next(1, 500));
                        w.WriteNumber("limit", 200);
                    }

                    output = huge ? CodeOfSize(_hugeResultBytes) : Code(_random.Next(2, 24));
                    break;
                case "Edit":
                    w.WriteString("file_path", $"{Cwd}/src/{Word()}.cs");
                    w.WriteString("old_string", Code(_random.Next(1, 12)));
                    w.WriteString("new_string", Code(_random.Next(1, 15)));
                    w.WriteBoolean("replace_all", false);
                    output = $"The file {Cwd}/src/x.cs has been updated. Here's the result of running `cat -n` on a snippet:\n{Code(4)}";
                    break;
                case "Write":
                    w.WriteString("file_path", $"{Cwd}/src/{Word()}.cs");
                    w.WriteString("content", Code(_random.Next(20, 200)));
                    output = $"File created successfully at: {Cwd}/src/x.cs";
                    break;
                case "Grep":
                    w.WriteString("pattern", "Utf8JsonReader\\s+\\w+");
                    w.WriteString("path", Cwd);
                    w.WriteString("output_mode", "content");
                    w.WriteBoolean("-n", true);
                    output = string.Join("\n", Enumerable.Range(0, _random.Next(1, 40)).Select(n => $"src/{Word()}.cs:{n}: {Text(8)}"));
                    break;
                case "TodoWrite":
                    w.WriteStartArray("todos");
                    for (var n = _random.Next(1, 6); n > 0; n--)
                    {
                        w.WriteStartObject();
                        w.WriteString("content", Text(6));
                        w.WriteString("status", n == 1 ? "in_progress" : "pending");
                        w.WriteString("activeForm", Text(4));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    output = "Todos have been modified successfully.";
                    break;
                case "Agent" or "Task":
                    w.WriteString("description", Text(3));
                    w.WriteString("prompt", Text(_random.Next(20, 120)));
                    if (name == "Agent" || turn % 3 == 0)
                    {
                        w.WriteString("subagent_type", _random.Next(3) == 0 ? "Explore" : "general-purpose");
                    }

                    output = "";
                    break;
                default:
                    w.WriteString("owner", "octo");
                    w.WriteString("repo", "agent-runtime");
                    w.WriteNumber("issue_number", 13);
                    w.WriteNumber("ratio", 0.25);
                    w.WriteNull("label");
                    output = Text(40);
                    break;
            }

            w.WriteEndObject();
            w.Flush();
            input = buffer.ToText();
        }

        return new ToolCall(id, name, input, output) { IsError = name == "Bash" && _random.Next(9) == 0 };
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

    private void Extras(FileWriter main, int turn)
    {
        if (turn % 9 == 4)
        {
            main.Line(w => SystemEntry(w, main, "compact_boundary", w2 =>
            {
                w2.WriteString("content", "Conversation compacted");
                w2.WriteStartObject("compactMetadata");
                w2.WriteString("trigger", "auto");
                w2.WriteNumber("preTokens", _random.Next(100_000, 200_000));
                w2.WriteEndObject();
            }));
            main.Line(w =>
            {
                w.WriteString("type", "summary");
                w.WriteString("summary", Text(8));
                w.WriteString("leafUuid", Uuid());
            });
        }

        if (turn % 6 == 1)
        {
            main.Line(w => SystemEntry(w, main, "turn_duration", w2 => w2.WriteNumber("durationMs", _random.Next(1000, 90_000))));
        }

        if (turn % 15 == 8)
        {
            main.Line(w => SystemEntry(w, main, "informational", w2 =>
            {
                w2.WriteString("content", Text(15));
                w2.WriteString("level", "info");
                w2.WriteStartObject("toolUseResult");
                w2.WriteString("note", "renamed on the way");
                w2.WriteEndObject();
            }));
        }

        if (turn % 10 == 2)
        {
            main.Line(w =>
            {
                w.WriteString("type", "file-history-snapshot");
                w.WriteString("messageId", Uuid());
                w.WriteStartObject("snapshot");
                w.WriteStartObject("trackedFileBackups");
                for (var i = _random.Next(1, 6); i > 0; i--)
                {
                    w.WriteStartObject($"src/{Word()}{i}.cs");
                    w.WriteString("backupFileName", $"{Id(16)}@v{i}");
                    w.WriteNumber("version", i);
                    w.WriteString("backupTime", Timestamp());
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteBoolean("isSnapshotUpdate", turn % 20 == 2);
            });
        }

        if (turn % 12 == 5)
        {
            // Older CLIs kept sidechain entries in the main file; subagent files replaced them.
            main.Line(w => SidechainEntry(w, main));
            main.Line(w => SidechainEntry(w, main));
        }

        switch (turn % 25)
        {
            case 3:
                main.Line(w =>
                {
                    w.WriteStartObject("message");
                    w.WriteString("content", Text(10));
                    w.WriteEndObject();
                    w.WriteString("type", "x-future-entry");
                    w.WriteString("timestamp", Timestamp());
                });
                break;
            case 7:
                main.Raw("");
                main.Raw("   ");
                break;
            case 11:
                main.Raw("{\"type\":\"user\",\"message\":{\"content\":\"half a line\"");
                break;
            case 13:
                main.Raw("[1,2,3]");
                main.Raw("\"just a string\"");
                main.Raw("null");
                break;
            case 17:
                main.Line(w =>
                {
                    w.WriteNumber("type", 5);
                    w.WriteString("uuid", Uuid());
                });
                break;
            case 19:
                // A dialogue entry without a message, and one whose message is not an object.
                main.Line(w => Envelope(w, main, "assistant", Uuid()));
                main.Line(w =>
                {
                    w.WriteString("message", "odd");
                    Envelope(w, main, "user", Uuid());
                });
                break;
            case 21:
                // A tool result for a call this transcript never made, and a user message of a document and blocks.
                main.Line(w =>
                {
                    WriteMessage(w, w2 =>
                    {
                        w2.WriteStartObject();
                        w2.WriteString("type", "tool_result");
                        w2.WriteString("tool_use_id", $"toolu_{Id(24)}");
                        w2.WriteString("content", Text(10));
                        w2.WriteEndObject();
                        w2.WriteStartObject();
                        w2.WriteString("type", "document");
                        w2.WriteStartObject("source");
                        w2.WriteString("type", "text");
                        w2.WriteEndObject();
                        w2.WriteEndObject();
                        w2.WriteStartObject();
                        w2.WriteString("type", "custom_block");
                        w2.WriteNumber("n", 1);
                        w2.WriteEndObject();
                    });
                    Envelope(w, main, "user", Uuid());
                });
                break;
        }

        main.Line(w =>
        {
            w.WriteString("type", "last-prompt");
            w.WriteString("lastPrompt", Text(8));
            w.WriteString("sessionId", SessionId);
        });
    }

    private void Bookkeeping(FileWriter file)
    {
        file.Line(w =>
        {
            w.WriteString("type", "api-request-shape");
            w.WriteString("requestRef", Uuid());
            w.WriteStartArray("tools");
            foreach (var tool in new[] { "Bash", "Read", "Edit", "Write", "Grep", "Glob", "Agent", "TodoWrite" })
            {
                w.WriteStringValue(tool);
            }

            w.WriteEndArray();
            w.WriteNumber("systemPromptChars", 24_000 + _random.Next(1000));
            w.WriteString("timestamp", Timestamp());
        });
        file.Line(w =>
        {
            w.WriteString("type", "api-request");
            w.WriteString("requestRef", Uuid());
            w.WriteString("model", "claude-opus-5-5");
            w.WriteNumber("messages", _random.Next(2, 400));
            w.WriteString("timestamp", Timestamp());
        });
    }

    private void Progress(Utf8JsonWriter w, FileWriter file, ToolCall call)
    {
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteStartObject("data");
        w.WriteString("type", "bash_progress");
        w.WriteString("output", Text(_random.Next(3, 30)));
        w.WriteNumber("elapsedTimeSeconds", _random.Next(1, 60));
        w.WriteEndObject();
        w.WriteString("toolUseID", call.Id);
        w.WriteString("parentToolUseID", call.Id);
        w.WriteString("type", "progress");
        w.WriteString("uuid", Uuid());
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private void QueueOperation(Utf8JsonWriter w, string operation)
    {
        w.WriteString("type", "queue-operation");
        w.WriteString("operation", operation);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("sessionId", SessionId);
    }

    private void Attachment(Utf8JsonWriter w, FileWriter file)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteStartObject("attachment");
        w.WriteString("type", _random.Next(2) == 0 ? "environment" : "todo_reminder");
        w.WriteString("text", Text(_random.Next(10, 120)));
        w.WriteEndObject();
        w.WriteString("type", "attachment");
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        w.WriteStartArray("rendered");
        w.WriteStartObject();
        w.WriteString("content", $"<system-reminder>\n{Text(_random.Next(20, 150))}\n</system-reminder>");
        w.WriteEndObject();
        w.WriteEndArray();
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void User(Utf8JsonWriter w, FileWriter file, string? text, bool isMeta = false, bool images = false)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        w.WriteString("promptId", Uuid());
        w.WriteString("type", "user");
        w.WriteStartObject("message");
        w.WriteString("role", "user");
        if (images)
        {
            w.WriteStartArray("content");
            if (text is not null)
            {
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", text);
                w.WriteEndObject();
            }

            w.WriteStartObject();
            w.WriteString("type", "image");
            w.WriteStartObject("source");
            w.WriteString("type", "base64");
            w.WriteString("media_type", "image/png");
            w.WriteString("data", Base64(_random.Next(1_000, 12_000)));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("content", text);
        }

        w.WriteEndObject();
        if (isMeta)
        {
            w.WriteBoolean("isMeta", true);
        }

        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("permissionMode", "bypassPermissions");
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void Assistant(Utf8JsonWriter w, FileWriter file, string messageId, string model, int? apiBlockIndex, Action<Utf8JsonWriter> content, bool asDouble = false)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        // As the CLI writes it, the message comes before the entry's type.
        w.WriteStartObject("message");
        if (_random.Next(500) != 0)
        {
            w.WriteString("id", messageId);
        }

        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
        w.WriteStartArray("content");
        content(w);
        w.WriteEndArray();
        w.WriteString("stop_reason", "tool_use");
        w.WriteNull("stop_sequence");
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", _random.Next(1, 20));
        w.WriteNumber("cache_creation_input_tokens", _random.Next(0, 5000));
        w.WriteNumber("cache_read_input_tokens", _random.Next(0, 200_000));
        w.WriteNumber("output_tokens", _random.Next(1, 3000));
        w.WriteStartObject("server_tool_use");
        w.WriteNumber("web_search_requests", 0);
        w.WriteNumber("web_fetch_requests", 0);
        w.WriteEndObject();
        w.WriteString("service_tier", "standard");
        w.WriteStartObject("cache_creation");
        w.WriteNumber("ephemeral_1h_input_tokens", 0);
        w.WriteNumber("ephemeral_5m_input_tokens", _random.Next(0, 5000));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        if (apiBlockIndex is { } recorded && asDouble)
        {
            w.WritePropertyName("apiBlockIndex");
            w.WriteRawValue(string.Create(CultureInfo.InvariantCulture, $"{recorded}.0"));
        }
        else if (apiBlockIndex is { } index)
        {
            w.WriteNumber("apiBlockIndex", index);
        }

        w.WriteString("requestId", $"req_{Id(24)}");
        if (model == "<synthetic>")
        {
            w.WriteBoolean("isApiErrorMessage", true);
        }

        w.WriteString("type", "assistant");
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void ToolResults(Utf8JsonWriter w, FileWriter file, IReadOnlyList<ToolCall> calls)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        if (file.AgentId is { } agentId)
        {
            w.WriteString("agentId", agentId);
        }

        w.WriteString("promptId", Uuid());
        w.WriteString("type", "user");
        WriteMessage(w, w2 =>
        {
            foreach (var call in calls)
            {
                ToolResultContent(w2, call);
            }
        });
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        if (calls.Count == 1)
        {
            ToolUseResult(w, calls[0]);
        }

        w.WriteString("sourceToolAssistantUUID", file.LastUuid);
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void ToolResultContent(Utf8JsonWriter w, ToolCall call)
    {
        w.WriteStartObject();
        w.WriteString("tool_use_id", call.Id);
        w.WriteString("type", "tool_result");
        if (call.Name is "Agent" or "Task")
        {
            w.WriteStartArray("content");
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", $"[Subagent hand-back] The report follows:\n  {Text(30)}\nagentId: {call.AgentId} (use SendMessage to continue)\n<usage>tool_uses: 3</usage>");
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            switch (_random.Next(60))
            {
                case 0:
                    w.WriteStartArray("content");
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", call.Output);
                    w.WriteEndObject();
                    w.WriteStartObject();
                    w.WriteString("type", "image");
                    w.WriteStartObject("source");
                    w.WriteString("data", Base64(3000));
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteStartObject();
                    w.WriteString("type", "tool_reference");
                    w.WriteString("tool_name", "Read");
                    w.WriteEndObject();
                    w.WriteStringValue("a bare string");
                    w.WriteNullValue();
                    w.WriteEndArray();
                    break;
                case 1:
                    w.WriteNull("content");
                    break;
                case 2:
                    break;
                case 3:
                    w.WriteNumber("content", 42);
                    break;
                case 4:
                    w.WriteStartObject("content");
                    w.WriteString("note", "naïve <b>");
                    w.WriteEndObject();
                    break;
                case 5:
                    // Escaped as some writers do it: the reader must unescape.
                    w.WritePropertyName("content");
                    w.WriteRawValue("\"caf\\u00e9 \\u2014 \\ud83d\\ude80 \\/path\\ttab\\r\\n\"");
                    break;
                default:
                    w.WriteString("content", call.IsError ? $"Exit code 1\n{call.Output}" : call.Output);
                    break;
            }
        }

        if (call.IsError || _random.Next(3) == 0)
        {
            w.WriteBoolean("is_error", call.IsError);
        }

        w.WriteEndObject();
    }

    private void ToolUseResult(Utf8JsonWriter w, ToolCall call)
    {
        switch (call.Name)
        {
            case "Agent" or "Task":
                w.WriteStartObject("toolUseResult");
                w.WriteString("status", "completed");
                w.WriteString("prompt", Text(10));
                if (call.ResultNamesAgent)
                {
                    w.WriteString("agentId", call.AgentId);
                }

                var notes = _random.Next(3);
                var tail = _random.Next(2);
                if (call.Name == "Agent")
                {
                    w.WriteNumber("harnessNoteCount", notes);
                    w.WriteNumber("harnessTailCount", tail);
                }
                else
                {
                    notes = tail = 0;
                }

                w.WriteStartArray("content");
                for (var i = 0; i < notes; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", "<tools-used-before-summary>Bash</tools-used-before-summary>\n");
                    w.WriteEndObject();
                }

                if (_random.Next(10) != 0)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", $"Subagent report: {Text(40)}");
                    w.WriteEndObject();
                }

                for (var i = 0; i < tail; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", "<usage>tool_uses: 3</usage>");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("totalDurationMs", _random.Next(500, 90_000));
                w.WriteNumber("totalTokens", _random.Next(500, 90_000));
                w.WriteEndObject();
                break;
            case "Read":
                w.WriteStartObject("toolUseResult");
                w.WriteString("type", "text");
                w.WriteStartObject("file");
                w.WriteString("filePath", $"{Cwd}/src/x.cs");
                w.WriteString("content", call.Output);
                w.WriteNumber("numLines", call.Output.Count(c => c == '\n') + 1);
                w.WriteNumber("startLine", 1);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case "Bash":
                if (call.IsError)
                {
                    w.WriteString("toolUseResult", $"Error: Exit code 1\n{call.Output}");
                    break;
                }

                w.WriteStartObject("toolUseResult");
                w.WriteString("stdout", call.Output);
                w.WriteString("stderr", "");
                w.WriteBoolean("interrupted", false);
                w.WriteBoolean("isImage", false);
                w.WriteEndObject();
                break;
            case "mcp__github__get_issue":
                // A structured result whose content is blocks, like a subagent's, though no subagent ran.
                w.WriteStartObject("toolUseResult");
                w.WriteString("agentId", "not-an-agent");
                w.WriteStartArray("content");
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", call.Output);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                break;
            default:
                w.WriteStartObject("toolUseResult");
                w.WriteString("type", "update");
                w.WriteString("filePath", $"{Cwd}/src/x.cs");
                w.WriteString("content", call.Output);
                w.WriteStartArray("structuredPatch");
                w.WriteEndArray();
                w.WriteEndObject();
                break;
        }
    }

    private void SystemEntry(Utf8JsonWriter w, FileWriter file, string subtype, Action<Utf8JsonWriter> details)
    {
        var uuid = Uuid();
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", false);
        w.WriteString("type", "system");
        w.WriteString("subtype", subtype);
        details(w);
        w.WriteBoolean("isMeta", false);
        w.WriteString("timestamp", Timestamp());
        w.WriteString("uuid", uuid);
        Common(w, file);
        file.LastUuid = uuid;
    }

    private void SidechainEntry(Utf8JsonWriter w, FileWriter file)
    {
        w.WriteString("parentUuid", Uuid());
        w.WriteBoolean("isSidechain", true);
        w.WriteStartObject("message");
        w.WriteString("id", $"msg_{Id(20)}");
        w.WriteString("model", "claude-opus-5-5");
        w.WriteStartArray("content");
        TextContent(w, Text(20));
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("type", "assistant");
        w.WriteString("uuid", Uuid());
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private void Envelope(Utf8JsonWriter w, FileWriter file, string type, string uuid)
    {
        w.WriteString("parentUuid", file.LastUuid);
        w.WriteBoolean("isSidechain", file.IsSidechain);
        w.WriteString("type", type);
        w.WriteString("uuid", uuid);
        w.WriteString("timestamp", Timestamp());
        Common(w, file);
    }

    private static void WriteMessage(Utf8JsonWriter w, Action<Utf8JsonWriter> content)
    {
        w.WriteStartObject("message");
        w.WriteString("role", "user");
        w.WriteStartArray("content");
        content(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void ThinkingContent(Utf8JsonWriter w, string thinking)
    {
        w.WriteStartObject();
        w.WriteString("type", "thinking");
        w.WriteString("thinking", thinking);
        w.WriteString("signature", "EqQBCkYIBxgCKkD" + thinking.Length);
        w.WriteEndObject();
    }

    private static void TextContent(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void ToolUseContent(Utf8JsonWriter w, ToolCall call, string type = "tool_use")
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("id", call.Id);
        w.WriteString("name", call.Name);
        w.WritePropertyName("input");
        w.WriteRawValue(call.Input, skipInputValidation: true);
        w.WriteEndObject();
    }

    private static void Common(Utf8JsonWriter w, FileWriter file)
    {
        w.WriteString("userType", "external");
        w.WriteString("entrypoint", "sdk-cli");
        w.WriteString("cwd", Cwd);
        w.WriteString("sessionId", SessionId);
        w.WriteString("version", "2.1.330");
        w.WriteString("gitBranch", "main");
    }

    // Mostly a few milliseconds later than the last; now and then earlier (the CLI's entries are not strictly
    // ordered), with a different offset, seven fraction digits, or no time zone.
    private string Timestamp()
    {
        var roll = _random.Next(1000);
        _clock = _clock.AddMilliseconds(roll < 20 ? -_random.Next(1, 40) : _random.Next(1, 900));
        return roll switch
        {
            < 995 => _clock.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            < 997 => _clock.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            < 999 => _clock.UtcDateTime.AddTicks(_random.Next(10_000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            _ => _clock.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        };
    }

    private string Uuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }

    private string Id(int length)
    {
        const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
        return string.Create(length, _random, static (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        });
    }

    private string Word() => Words[_random.Next(Words.Length)];

    private string Text(int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(_random.Next(12) == 0 ? (_random.Next(3) == 0 ? "\n\n" : ". ") : " ");
            }

            text.Append(Words[_random.Next(Words.Length)]);
        }

        return text.ToString();
    }

    private string Code(int lines)
    {
        var code = new StringBuilder();
        for (var i = 1; i <= lines; i++)
        {
            CodeLine(code, i);
        }

        return code.ToString();
    }

    private string CodeOfSize(int bytes)
    {
        var code = new StringBuilder(bytes + 200);
        for (var i = 1; code.Length < bytes; i++)
        {
            CodeLine(code, i);
        }

        return code.ToString();
    }

    private void CodeLine(StringBuilder code, int number)
    {
        code.Append(CultureInfo.InvariantCulture, $"{number,6}\t");
        code.Append(' ', _random.Next(0, 4) * 4);
        code.Append(_random.Next(6) switch
        {
            0 => $"var {Word()} = reader.GetString() ?? \"\"; // {Word()}",
            1 => $"if (x.{Word()} is {{ Length: > 0 }}) {{ return \"{Word()}\\n\"; }}",
            2 => $"Console.WriteLine($\"{{value}} → {Word()}\");",
            3 => "}",
            4 => $"// {Text(8)}",
            _ => $"private static readonly string Path = @\"C:\\src\\{Word()}\";",
        });
        code.Append('\n');
    }

    private string Base64(int bytes)
    {
        var data = new byte[bytes];
        _random.NextBytes(data);
        return Convert.ToBase64String(data);
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
