namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// Switches the calling thread's filesystem user and group to a sandbox's for the few syscalls of one file operation,
/// so the kernel checks permissions as that user and files it creates belong to it. Linux keeps fsuid/fsgid per
/// thread and glibc does not broadcast <c>setfsuid</c> to other threads (as it does <c>setuid</c>), so the rest of the
/// server keeps root's. A ref struct, so it cannot live across an <c>await</c> and move to another thread.
/// </summary>
internal readonly ref struct FileSystemUserScope
{
    // An id the kernel rejects, so that setfsuid only reports the current one.
    private const uint Query = uint.MaxValue;

    private readonly uint _previousUser;
    private readonly uint _previousGroup;
    private readonly bool _switched;

    private FileSystemUserScope(uint previousUser, uint previousGroup)
    {
        _previousUser = previousUser;
        _previousGroup = previousGroup;
        _switched = true;
    }

    /// <summary>Switches to the user and group, or does nothing when <paramref name="userId"/> is null.</summary>
    /// <exception cref="IOException">The thread could not take the ids (the server lacks CAP_SETUID/CAP_SETGID).</exception>
    public static FileSystemUserScope Enter(int? userId, int? groupId)
    {
        if (userId is not int user)
        {
            return default;
        }

        var group = (uint)(groupId ?? user);
        var previousGroup = (uint)Native.setfsgid(group);
        if ((uint)Native.setfsgid(Query) != group)
        {
            RestoreGroup(previousGroup);
            throw new IOException("Could not switch to the sandbox's group for a file operation.");
        }

        var previousUser = (uint)Native.setfsuid((uint)user);
        if ((uint)Native.setfsuid(Query) != (uint)user)
        {
            RestoreUser(previousUser);
            RestoreGroup(previousGroup);
            throw new IOException("Could not switch to the sandbox's user for a file operation.");
        }

        return new FileSystemUserScope(previousUser, previousGroup);
    }

    public void Dispose()
    {
        if (_switched)
        {
            RestoreUser(_previousUser);
            RestoreGroup(_previousGroup);
        }
    }

    private static void RestoreUser(uint id)
    {
        Native.setfsuid(id);
        if ((uint)Native.setfsuid(Query) != id)
        {
            FailToRestore();
        }
    }

    private static void RestoreGroup(uint id)
    {
        Native.setfsgid(id);
        if ((uint)Native.setfsgid(Query) != id)
        {
            FailToRestore();
        }
    }

    // A thread left with the sandbox's identity would run unrelated work later with that user's permissions, and
    // without the capabilities root loses when its fsuid changes; no way of carrying on is safe.
    private static void FailToRestore() =>
        Environment.FailFast("Could not restore the server's filesystem identity after a sandbox file operation.");
}
