namespace AgentRuntime.Persistence;

/// <summary>
/// A stored workspace file was replaced or deleted while a stream opened on it was being read; the bytes read so far
/// belong to a version that no longer exists. Open the file again to read the current one.
/// </summary>
public sealed class WorkspaceFileChangedException : IOException
{
    /// <summary>Creates the exception for the file at <paramref name="path"/>.</summary>
    public WorkspaceFileChangedException(string path)
        : base($"The workspace file '{path}' was replaced or deleted while it was being read.")
    {
        Path = path;
    }

    /// <summary>The file's workspace-relative path.</summary>
    public string Path { get; }
}
