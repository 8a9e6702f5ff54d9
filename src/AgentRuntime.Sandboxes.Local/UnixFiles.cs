using System.Runtime.InteropServices;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>File ownership, which .NET has no managed API for.</summary>
internal static partial class UnixFiles
{
    /// <summary>Gives a file or directory (not following symlinks) to a user and group.</summary>
    public static void ChangeOwner(string path, int userId, int groupId)
    {
        if (lchown(path, userId, groupId) != 0)
        {
            throw new IOException($"Could not change the owner of '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);
}
