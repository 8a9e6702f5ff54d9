using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>
/// Where the Gemini CLI keeps a project's state under its home (verified with 0.61.0): a short id per working directory
/// (the directory's name, lower-cased, runs of other characters than letters and digits made <c>-</c>), claimed with a
/// <c>.project_root</c> marker in <c>.gemini/tmp/&lt;id&gt;/</c> and <c>.gemini/history/&lt;id&gt;/</c>, and the
/// sessions in <c>.gemini/tmp/&lt;id&gt;/chats/session-&lt;time&gt;-&lt;first 8 of the session id&gt;.jsonl</c>.
/// </summary>
internal static partial class GeminiProjectPaths
{
    /// <summary>The CLI's short id for a working directory when no other project has claimed it first.</summary>
    public static string ProjectId(string workspacePath)
    {
        var name = Path.GetFileName(workspacePath.TrimEnd('/'));
        var slug = NonAlphanumeric().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "project" : slug;
    }

    /// <summary>The home-relative directory of the project's state (its sessions and logs).</summary>
    public static string ProjectDirectory(string workspacePath) => $".gemini/tmp/{ProjectId(workspacePath)}";

    /// <summary>The home-relative directory of the project's sessions.</summary>
    public static string ChatsDirectory(string workspacePath) => $"{ProjectDirectory(workspacePath)}/chats";

    /// <summary>The ownership markers that make the CLI use <see cref="ProjectId"/> for the workspace.</summary>
    public static IReadOnlyList<string> ProjectRootMarkers(string workspacePath) =>
        [$"{ProjectDirectory(workspacePath)}/.project_root", $".gemini/history/{ProjectId(workspacePath)}/.project_root"];

    /// <summary>Whether a file is one of the CLI's session files, and of the session whose id starts with <paramref name="sessionId"/>'s first 8 characters when given.</summary>
    public static bool IsSessionFile(string relativePath, string? sessionId = null)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        if (!name.StartsWith("session-", StringComparison.Ordinal) || !(name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal)))
        {
            return false;
        }

        return sessionId is null || Path.GetFileNameWithoutExtension(name).Contains("-" + sessionId[..Math.Min(8, sessionId.Length)], StringComparison.Ordinal);
    }

    /// <summary>
    /// The minute in the name the CLI gives a session file it creates (<c>session-2026-11-23T20-17-d0244f61.jsonl</c>),
    /// or <see langword="null"/> for another name.
    /// </summary>
    public static DateTimeOffset? CreatedMinute(string relativePath)
    {
        var match = CreatedName().Match(relativePath[(relativePath.LastIndexOf('/') + 1)..]);
        return match.Success && DateTimeOffset.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd'T'HH-mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var minute)
            ? minute
            : null;
    }

    [GeneratedRegex(@"^session-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2})-[^-.]{1,8}\.jsonl$")]
    private static partial Regex CreatedName();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();
}
