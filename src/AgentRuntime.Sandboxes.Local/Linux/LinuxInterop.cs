using System.Runtime.InteropServices;

namespace AgentRuntime.Sandboxes.Local.Linux;

/// <summary>The few Linux calls the local sandbox makes that .NET has no managed API for.</summary>
internal static unsafe partial class LinuxInterop
{
    public const int CloneNewNet = 0x40000000;
    public const int OpenReadOnly = 0;
    public const int OpenCloseOnExec = 0x80000;
    public const int MountNoSuid = 0x2;
    public const int MountNoDev = 0x4;
    public const int UnmountDetach = 0x2;
    public const int ErrnoInvalid = 22;
    public const int ErrnoNotFound = 2;

    private const int AddressFamilyInet = 2;
    private const int SocketDatagram = 2;
    private const ulong GetInterfaceFlags = 0x8913;
    private const ulong SetInterfaceFlags = 0x8914;
    private const short InterfaceUp = 0x1;

    /// <summary>Moves the calling thread into a new network namespace (which starts with only a loopback device, down).</summary>
    public static void UnshareNetwork()
    {
        if (unshare(CloneNewNet) != 0)
        {
            throw Error("unshare(CLONE_NEWNET)");
        }
    }

    /// <summary>Brings the loopback device of the calling thread's network namespace up.</summary>
    public static void BringLoopbackUp()
    {
        var socket = Socket(AddressFamilyInet, SocketDatagram, 0);
        if (socket < 0)
        {
            throw Error("socket");
        }

        try
        {
            // struct ifreq: a 16-byte name, then a union whose first member here is the short flags.
            var request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(request, 16));
            if (ioctl(socket, GetInterfaceFlags, request) != 0)
            {
                throw Error("ioctl(SIOCGIFFLAGS, lo)");
            }

            *(short*)(request + 16) |= InterfaceUp;
            if (ioctl(socket, SetInterfaceFlags, request) != 0)
            {
                throw Error("ioctl(SIOCSIFFLAGS, lo)");
            }
        }
        finally
        {
            Files.Native.close(socket);
        }
    }

    /// <summary>Opens a file for reading with close-on-exec, returning the descriptor.</summary>
    public static int OpenForReading(string path)
    {
        var fd = open(path, OpenReadOnly | OpenCloseOnExec);
        return fd >= 0 ? fd : throw Error($"open({path})");
    }

    public static void Close(int fd) => Files.Native.close(fd);

    /// <summary>Mounts a tmpfs with the given options.</summary>
    public static void MountTmpfs(string target, string options)
    {
        if (mount("tmpfs", target, "tmpfs", MountNoSuid | MountNoDev, options) != 0)
        {
            throw Error("mount(tmpfs)");
        }
    }

    /// <summary>Lazily unmounts whatever is mounted at <paramref name="target"/>; returns false when nothing was.</summary>
    public static bool Unmount(string target)
    {
        if (umount2(target, UnmountDetach) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ErrnoInvalid or ErrnoNotFound ? false : throw new IOException($"umount2 failed (errno {errno}).");
    }

    private static IOException Error(string call) => new($"{call} failed (errno {Marshal.GetLastPInvokeError()}).");

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unshare(int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, byte* argument);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fileSystemType, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
