namespace AgentRuntime.Sandboxes.Local;

/// <summary>Turns a path relative to a sandbox root into a full path that is certain to stay under that root.</summary>
internal static class SandboxPaths
{
    public static string Resolve(string root, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (relativePath.Contains('\0'))
        {
            throw new ArgumentException("The path contains a NUL character.", nameof(relativePath));
        }

        if (Path.IsPathRooted(relativePath))
        {
            throw new ArgumentException($"The path '{relativePath}' is absolute; give it relative to the sandbox root.", nameof(relativePath));
        }

        if (relativePath.Split('/', '\\').Contains(".."))
        {
            throw new ArgumentException($"The path '{relativePath}' contains '..'.", nameof(relativePath));
        }

        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        var rootWithSeparator = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        if (full != Path.TrimEndingDirectorySeparator(root) && !full.StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The path '{relativePath}' leaves the sandbox root.", nameof(relativePath));
        }

        // No existing component may be a symbolic link: an agent's link is written in the sandbox's view of the file
        // system, and followed on the host it could lead anywhere (/workspace/x -> /etc/shadow).
        var relative = Path.GetRelativePath(root, full);
        var current = Path.TrimEndingDirectorySeparator(root);
        foreach (var part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null)
            {
                throw new ArgumentException($"The path '{relativePath}' goes through a symbolic link.", nameof(relativePath));
            }
        }

        return full;
    }

    public static string ToRelative(string root, string fullPath) =>
        Path.GetRelativePath(root, fullPath).Replace(Path.DirectorySeparatorChar, '/');
}
