namespace AgentRuntime.Sessions;

/// <summary>Checks paths that clients give for workspace files: relative, inside the workspace, printable.</summary>
public static class WorkspacePaths
{
    /// <summary>The path with forward slashes and no empty or <c>.</c> segments.</summary>
    /// <exception cref="ArgumentException">The path is empty, absolute, contains <c>..</c>, a NUL or a control character.</exception>
    public static string Normalize(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The file path is empty.", nameof(path));
        }

        if (path.Any(char.IsControl))
        {
            throw new ArgumentException("The file path contains a NUL or control character.", nameof(path));
        }

        if (path.StartsWith('/') || path.StartsWith('\\') || (path.Length > 1 && path[1] == ':'))
        {
            throw new ArgumentException($"The file path '{path}' is absolute; give it relative to the workspace.", nameof(path));
        }

        var segments = path.Split('/', '\\').Where(s => s.Length > 0 && s != ".").ToList();
        if (segments.Contains(".."))
        {
            throw new ArgumentException($"The file path '{path}' contains '..'.", nameof(path));
        }

        if (segments.Count == 0)
        {
            throw new ArgumentException($"The file path '{path}' names no file.", nameof(path));
        }

        return string.Join('/', segments);
    }
}
