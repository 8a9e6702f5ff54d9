using System.Text;
using System.Text.Json;

namespace AgentRuntime.Cli.Rendering;

/// <summary>One short line for a tool's input: its main argument (the command, the file, the pattern) or the compact JSON.</summary>
internal static class ToolInputSummary
{
    // The argument people recognize a call by, in the order tools usually name it (Claude Code's, Gemini CLI's, ACP's).
    private static readonly string[] MainArguments =
        ["command", "file_path", "path", "pattern", "url", "query", "description", "prompt", "absolute_path", "notebook_path"];

    public static string Of(JsonElement input, int maxLength = 72)
    {
        if (input.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in MainArguments)
            {
                if (input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                {
                    return Shorten(text, maxLength);
                }
            }

            if (!input.EnumerateObject().Any())
            {
                return "";
            }
        }

        return input.ValueKind is JsonValueKind.Undefined ? "" : Shorten(input.GetRawText(), maxLength);
    }

    /// <summary>The text on one line (line breaks shown as <c>⏎</c>), cut to <paramref name="maxLength"/> with an ellipsis.</summary>
    public static string Shorten(string text, int maxLength)
    {
        var line = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (var c in text.Trim())
        {
            if (line.Length > maxLength)
            {
                break;
            }

            line.Append(c switch
            {
                '\n' => '⏎',
                '\r' or '\t' => ' ',
                _ when char.IsControl(c) => ' ',
                _ => c,
            });
        }

        return line.Length > maxLength ? string.Concat(line.ToString(0, maxLength - 1), "…") : line.ToString();
    }

    /// <summary>
    /// The first line of a tool's output and how many more there are. A shell's "Exit code N" line takes the next one
    /// with it, which says what went wrong.
    /// </summary>
    public static string FirstLine(string output, int maxLength = 64)
    {
        var lines = output.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return "";
        }

        var taken = lines.Length > 1 && lines[0].StartsWith("Exit code ", StringComparison.Ordinal) ? 2 : 1;
        var first = Shorten(string.Join(": ", lines.Take(taken)), maxLength);
        return lines.Length > taken ? $"{first} (+{lines.Length - taken} lines)" : first;
    }
}
