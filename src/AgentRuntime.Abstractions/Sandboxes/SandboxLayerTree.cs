namespace AgentRuntime.Sandboxes;

/// <summary>
/// Walks and removes a <see cref="SandboxLayer"/>'s directory tree, which a sandbox wrote: never following a symlink,
/// so a link planted by the builder cannot lead the runtime outside the tree.
/// </summary>
public static class SandboxLayerTree
{
    /// <summary>Every entry under <paramref name="directory"/>, parents before their children; a symlink is listed but never entered.</summary>
    public static IEnumerable<FileSystemInfo> Entries(string directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(directory));
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.EnumerateFileSystemInfos("*", options))
            {
                yield return entry;
                if (entry is DirectoryInfo { LinkTarget: null } child)
                {
                    pending.Push(child);
                }
            }
        }
    }

    /// <summary>Removes the tree, sealed (read-only) or half-built; nothing when it does not exist.</summary>
    public static void Delete(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            // A sealed tree's directories are read-only, which would keep a runtime that is not root from emptying them.
            foreach (var entry in Entries(directory).OfType<DirectoryInfo>().Where(d => d.LinkTarget is null).Append(new DirectoryInfo(directory)))
            {
                File.SetUnixFileMode(entry.FullName, entry.UnixFileMode | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(directory, recursive: true);
    }
}
