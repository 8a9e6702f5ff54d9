using System.Text;

namespace AgentRuntime.Architectures.Claude.Transcripts;

/// <summary>
/// Where Claude Code keeps a session's transcript under its home: <c>.claude/projects/&lt;slug&gt;/&lt;sessionId&gt;.jsonl</c>
/// for the main thread and <c>.claude/projects/&lt;slug&gt;/&lt;sessionId&gt;/subagents/agent-&lt;agentId&gt;.jsonl</c>
/// (with an <c>agent-&lt;agentId&gt;.meta.json</c> naming the Agent tool call) for each subagent.
/// </summary>
internal static class ClaudeProjectPaths
{
    // Longer slugs are cut and suffixed with a hash of the whole path, as the CLI does (verified with 2.1.330).
    private const int MaxSlugLength = 200;

    /// <summary>The home-relative directory of the project whose working directory is <paramref name="workspacePath"/>.</summary>
    public static string ProjectDirectory(string workspacePath) => ".claude/projects/" + Slug(workspacePath);

    /// <summary>The home-relative path of a session's main transcript.</summary>
    public static string MainTranscript(string workspacePath, string sessionId) => $"{ProjectDirectory(workspacePath)}/{sessionId}.jsonl";

    /// <summary>
    /// The CLI's directory name for a working directory: every character but ASCII letters and digits becomes
    /// <c>-</c>; past 200 characters the name is cut and <c>-&lt;hash&gt;</c> appended, the hash being the absolute
    /// value of the path's 32-bit Java-style string hash in base 36.
    /// </summary>
    public static string Slug(string workspacePath)
    {
        var slug = new StringBuilder(workspacePath.Length);
        foreach (var c in workspacePath)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        if (slug.Length <= MaxSlugLength)
        {
            return slug.ToString();
        }

        return slug.ToString(0, MaxSlugLength) + "-" + Base36(Math.Abs((long)JavaHash(workspacePath)));
    }

    private static int JavaHash(string value)
    {
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((hash << 5) - hash + c);
        }

        return hash;
    }

    private static string Base36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        if (value == 0)
        {
            return "0";
        }

        var result = new StringBuilder();
        for (; value > 0; value /= 36)
        {
            result.Insert(0, digits[(int)(value % 36)]);
        }

        return result.ToString();
    }
}
