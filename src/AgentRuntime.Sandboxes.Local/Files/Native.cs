using System.Runtime.InteropServices;

namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// The Linux calls <see cref="SandboxFileSystem"/> is built on. .NET has no managed API for fd-relative path
/// resolution, so these are P/Invokes into libc, and <c>openat2</c>, which glibc 2.36 does not wrap, is made through
/// <c>syscall</c>. Only 64-bit Linux is supported: the <c>dirent</c> layout read below is the 64-bit one.
/// </summary>
internal static unsafe partial class Native
{
    // Numbered alike on every architecture since Linux 5.6 (the unified syscall table).
    private const long SysOpenat2 = 437;

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtNoAutomount = 0x800;
    public const int AtEmptyPath = 0x1000;

    public const ulong ResolveNoXdev = 0x01;
    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveNoSymlinks = 0x04;
    public const ulong ResolveBeneath = 0x08;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;

    // These two differ by architecture: arm and powerpc keep their historical values, the rest use asm-generic's.
    public static readonly int ODirectory = ArmLikeOpenFlags ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = ArmLikeOpenFlags ? 0x8000 : 0x20000;

    public const int FGetFl = 3;
    public const int FSetFl = 4;

    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxUid = 0x8;
    public const uint StatxGid = 0x10;
    public const uint StatxMtime = 0x40;
    public const uint StatxIno = 0x100;
    public const uint StatxSize = 0x200;

    public const int SIfMt = 0xF000;
    public const int SIfReg = 0x8000;
    public const int SIfDir = 0x4000;
    public const int SIfLnk = 0xA000;

    // errno values, alike on all the architectures .NET runs on under Linux.
    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int EAcces = 13;
    public const int EExist = 17;
    public const int EXDev = 18;
    public const int ENotDir = 20;
    public const int EIsDir = 21;
    public const int ENoSys = 38;
    public const int ELoop = 40;

    private static bool ArmLikeOpenFlags => RuntimeInformation.ProcessArchitecture
        is Architecture.Arm64 or Architecture.Arm or Architecture.Armv6 or Architecture.Ppc64le;

    /// <summary>Whether this process can use these calls at all.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64;

    /// <summary>The path as the NUL-terminated UTF-8 the kernel takes.</summary>
    public static byte[] Utf8Z(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary><c>openat2</c>, retried on EINTR; returns the fd or -1 with errno in <paramref name="errno"/>.</summary>
    public static int OpenAt2(int dirFd, byte[] path, int flags, int mode, ulong resolve, out int errno)
    {
        var how = new OpenHow { Flags = (ulong)flags, Mode = (ulong)mode, Resolve = resolve };
        fixed (byte* p = path)
        {
            while (true)
            {
                var fd = syscall(SysOpenat2, dirFd, p, &how, (nuint)sizeof(OpenHow));
                errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (fd >= 0 || errno != EIntr)
                {
                    return (int)fd;
                }
            }
        }
    }

    public static int MkdirAt(int dirFd, byte[] name, int mode)
    {
        fixed (byte* p = name)
        {
            return mkdirat(dirFd, p, (uint)mode);
        }
    }

    public static int UnlinkAt(int dirFd, byte[] name, int flags)
    {
        fixed (byte* p = name)
        {
            return unlinkat(dirFd, p, flags);
        }
    }

    public static int RenameAt(int oldDirFd, byte[] oldName, int newDirFd, byte[] newName)
    {
        fixed (byte* o = oldName)
        fixed (byte* n = newName)
        {
            return renameat(oldDirFd, o, newDirFd, n);
        }
    }

    public static int Statx(int dirFd, byte[] path, int flags, uint mask, out StatxBuffer buffer)
    {
        fixed (byte* p = path)
        {
            return Statx(dirFd, p, flags, mask, out buffer);
        }
    }

    public static int Statx(int dirFd, byte* path, int flags, uint mask, out StatxBuffer buffer)
    {
        fixed (StatxBuffer* b = &buffer)
        {
            return statx(dirFd, path, flags, mask, b);
        }
    }

    /// <summary>Clears O_NONBLOCK, which reads were opened with so that a FIFO could not block the open.</summary>
    public static int ClearNonBlocking(int fd)
    {
        var flags = fcntl(fd, FGetFl, 0);
        return flags < 0 ? flags : fcntl(fd, FSetFl, flags & ~ONonBlock);
    }

    /// <summary>
    /// Calls every entry point once, as the server. The first call of a P/Invoke binds it, which may load files, and
    /// under a sandbox's fsuid the runtime's own files may be unreadable (an SDK under <c>/root</c>, say). The calls
    /// get a bad fd and do nothing, but <c>readdir</c> needs a real stream: it reads the first entry of
    /// <paramref name="directoryFd"/>.
    /// </summary>
    public static void BindEntryPoints(int directoryFd)
    {
        byte[] empty = [0];
        MkdirAt(-1, empty, 0);
        UnlinkAt(-1, empty, 0);
        RenameAt(-1, empty, -1, empty);
        Statx(-1, empty, 0, 0, out _);
        ClearNonBlocking(-1);
        setfsuid(uint.MaxValue);
        setfsgid(uint.MaxValue);
        var fd = OpenAt2(directoryFd, Utf8Z("."), ORdOnly | ODirectory | OCloExec, 0, ResolveBeneath, out _);
        var stream = fd < 0 ? 0 : fdopendir(fd);
        if (stream != 0)
        {
            readdir(stream);
            dirfd(stream);
            closedir(stream);
        }
        else if (fd >= 0)
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long dirFd, byte* path, OpenHow* how, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdirat(int dirFd, byte* name, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlinkat(int dirFd, byte* name, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int renameat(int oldDirFd, byte* oldName, int newDirFd, byte* newName);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, long argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint fdopendir(int fd);

    /// <summary>The next entry (a <c>struct dirent*</c>), or 0 at the end or on error (then errno is set).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readdir(nint directory);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dirfd(nint directory);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int closedir(nint directory);

    /// <summary>Sets the calling thread's filesystem user id; returns the previous one (an invalid id only queries).</summary>
    [LibraryImport("libc")]
    public static partial int setfsuid(uint userId);

    /// <summary>Sets the calling thread's filesystem group id; returns the previous one (an invalid id only queries).</summary>
    [LibraryImport("libc")]
    public static partial int setfsgid(uint groupId);

    /// <summary>The offset of <c>d_name</c> in glibc's and musl's 64-bit <c>struct dirent</c>.</summary>
    public const int DirentNameOffset = 19;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary><c>struct statx</c>, which has the same layout on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;

        public readonly int Type => Mode & SIfMt;

        public readonly DateTimeOffset LastWriteTime =>
            DateTimeOffset.FromUnixTimeSeconds(MtimeSeconds).AddTicks(MtimeNanoseconds / 100);
    }
}
