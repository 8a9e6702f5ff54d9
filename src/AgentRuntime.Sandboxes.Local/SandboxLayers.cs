namespace AgentRuntime.Sandboxes.Local;

/// <summary>
/// Who owns a <see cref="SandboxLayer"/>'s tree: the sandbox that builds it while it runs, the runtime once sealed.
/// Both walks go through the tree without following a symlink, so a link the builder planted never leads them outside.
/// </summary>
internal static class SandboxLayers
{
    private const UnixFileMode ReadAndExecute =
        UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Writes = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private const UnixFileMode Special = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;

    /// <summary>Gives the layer's tree (what the runtime wrote into it before the build) to the building sandbox's user.</summary>
    public static void GiveTo(string directory, int? hostUserId)
    {
        if (hostUserId is not int uid)
        {
            return;
        }

        UnixFiles.ChangeOwner(directory, uid, uid);
        foreach (var entry in SandboxLayerTree.Entries(directory))
        {
            UnixFiles.ChangeOwner(entry.FullName, uid, uid);
        }
    }

    /// <summary>
    /// Makes the tree the runtime's (when the builder ran as another user) and read-only for everyone: directories
    /// <c>0555</c>; files keep their execute bits and lose every write, set-id and sticky bit; symlinks stay as they are.
    /// </summary>
    public static void Seal(string directory, bool takeOwnership)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return;
        }

        foreach (var entry in SandboxLayerTree.Entries(directory).Reverse().Append(new DirectoryInfo(directory)))
        {
            if (takeOwnership)
            {
                UnixFiles.ChangeOwner(entry.FullName, 0, 0);
            }

            if (entry.LinkTarget is not null)
            {
                continue;
            }

            var mode = entry is DirectoryInfo
                ? ReadAndExecute
                : (entry.UnixFileMode & ~(Writes | Special)) | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(entry.FullName, mode);
        }
    }
}
