using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentRuntime.Architectures.Claude.Profiles;

/// <summary>Markdown files with a YAML front matter, as Claude Code reads skills, subagents and commands.</summary>
internal static class FrontMatter
{
    // A JSON string is a YAML double-quoted scalar: whatever a profile's text holds (a colon, a '#', quotes, a leading
    // '-' or '>'), it stays one string value and never becomes YAML structure. Only quotes, backslashes and control
    // characters are escaped, so the CLI shows the text as written.

    /// <summary>The front matter with the fields that have a value, then the body.</summary>
    public static string Write(IEnumerable<(string Key, string? Value)> fields, string body)
    {
        var present = fields.Where(f => f.Value is not null).ToList();
        var text = new StringBuilder();
        // Without fields there is no front matter, unless the body's own first line would be read as one.
        if (present.Count > 0 || body.StartsWith("---", StringComparison.Ordinal))
        {
            text.Append("---\n");
            foreach (var (key, value) in present)
            {
                text.Append(key).Append(": ").Append(Quote(value!)).Append('\n');
            }

            text.Append("---\n\n");
        }

        return text.Append(body).Append(body.EndsWith('\n') ? "" : "\n").ToString();
    }

    public static string Quote(string value) => $"\"{JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";
}
