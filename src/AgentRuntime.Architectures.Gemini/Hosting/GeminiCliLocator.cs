namespace AgentRuntime.Architectures.Gemini.Hosting;

/// <summary>Finds the Gemini CLI when <see cref="GeminiCliOptions.CliPath"/> is not set.</summary>
internal static class GeminiCliLocator
{
    /// <summary>Where the repository's <c>agents/package.json</c> installs the pinned CLI, relative to an ancestor directory.</summary>
    public static readonly string PinnedRelativePath = Path.Combine("agents", "node_modules", ".bin", "gemini");

    /// <summary>
    /// The pinned CLI found walking up from <paramref name="startDirectories"/>, else <c>gemini</c> found on
    /// <paramref name="pathVariable"/> (as a full path: the sandbox's own PATH is minimal), else <see langword="null"/>.
    /// </summary>
    public static string? Find(IEnumerable<string> startDirectories, string? pathVariable)
    {
        foreach (var start in startDirectories)
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, PinnedRelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return FindOnPath("gemini", pathVariable);
    }

    /// <summary>Whether <paramref name="cliPath"/> names an existing file, directly or through <paramref name="pathVariable"/>.</summary>
    public static bool Exists(string cliPath, string? pathVariable) =>
        cliPath.Contains(Path.DirectorySeparatorChar) ? File.Exists(cliPath) : FindOnPath(cliPath, pathVariable) is not null;

    private static string? FindOnPath(string name, string? pathVariable) =>
        (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
