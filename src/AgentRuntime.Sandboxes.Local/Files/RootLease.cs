using Microsoft.Win32.SafeHandles;

namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// Keeps a root fd from being closed, and its number reused for another file, while an operation uses it should the
/// sandbox be disposed meanwhile; leasing a disposed root throws <see cref="ObjectDisposedException"/>.
/// </summary>
internal readonly ref struct RootLease
{
    private readonly SafeFileHandle _handle;

    public RootLease(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        Fd = (int)handle.DangerousGetHandle();
    }

    public int Fd { get; }

    public void Dispose() => _handle.DangerousRelease();
}
