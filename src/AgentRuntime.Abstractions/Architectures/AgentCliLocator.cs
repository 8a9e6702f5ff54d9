namespace AgentRuntime.Architectures;

/// <summary>
/// Finds an agent CLI when its path is not configured: the copy pinned by the repository's <c>agents/package.json</c>,
/// found walking up from the application or working directory, else the named command on <c>PATH</c>.
/// </summary>
/// <param name="command">The CLI's command name, such as <c>claude</c> or <c>gemini</c>.</param>
public sealed class AgentCliLocator(string command)
{
    /// <summary>Where the repository installs the pinned CLI, relative to an ancestor directory.</summary>
    public string PinnedRelativePath { get; } = Path.Combine("agents", "node_modules", ".bin", command);

    /// <summary>
    /// The pinned CLI found walking up from <paramref name="startDirectories"/>, else the command found on
    /// <paramref name="pathVariable"/> (as a full path: a sandbox's own PATH is minimal), else <see langword="null"/>.
    /// </summary>
    public string? Find(IEnumerable<string> startDirectories, string? pathVariable)
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

        return FindOnPath(command, pathVariable);
    }

    /// <summary>Whether <paramref name="cliPath"/> names an existing file, directly or through <paramref name="pathVariable"/>.</summary>
    public static bool Exists(string cliPath, string? pathVariable) =>
        cliPath.Contains(Path.DirectorySeparatorChar) ? File.Exists(cliPath) : FindOnPath(cliPath, pathVariable) is not null;

    private static string? FindOnPath(string name, string? pathVariable) =>
        (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
