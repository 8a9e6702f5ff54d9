using System.Text.Json;

namespace AgentRuntime.Testing.Claude;

// Tool calls: their inputs and outputs, and their results as the CLI records them.
public sealed partial class ClaudeTranscriptGenerator
{
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
}
