namespace AgentRuntime.Sessions;

/// <summary>Checks paths that clients give for workspace files: relative, inside the workspace, printable.</summary>
public static class WorkspacePaths
{
    /// <summary>The longest path, in UTF-8 bytes; longer ones are left out of workspace scans, so they are refused here.</summary>
    public const int MaxPathBytes = 1024;

    /// <summary>The longest file or directory name, in UTF-8 bytes (Linux's NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>The deepest path, in directories; deeper ones are left out of workspace scans.</summary>
    public const int MaxDepth = 64;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The path with forward slashes and no empty or <c>.</c> segments.</summary>
    /// <exception cref="ArgumentException">
    /// The path is empty, absolute, contains <c>..</c>, a NUL or a control character, is not valid Unicode, or is longer
    /// or deeper than a workspace holds (<see cref="MaxPathBytes"/>, <see cref="MaxNameBytes"/>, <see cref="MaxDepth"/>).
    /// </exception>
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

        var normalized = string.Join('/', segments);
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(normalized);
        }
        catch (System.Text.EncoderFallbackException)
        {
            throw new ArgumentException("The file path is not valid Unicode.", nameof(path));
        }

        if (length > MaxPathBytes)
        {
            throw new ArgumentException($"The file path is {length} bytes long; a workspace path has at most {MaxPathBytes}.", nameof(path));
        }

        if (segments.Count > MaxDepth)
        {
            throw new ArgumentException($"The file path is {segments.Count} levels deep; a workspace path has at most {MaxDepth}.", nameof(path));
        }

        if (segments.FirstOrDefault(s => StrictUtf8.GetByteCount(s) > MaxNameBytes) is { } name)
        {
            throw new ArgumentException($"The file path has a name of {StrictUtf8.GetByteCount(name)} bytes; a name has at most {MaxNameBytes}.", nameof(path));
        }

        return normalized;
    }
}
