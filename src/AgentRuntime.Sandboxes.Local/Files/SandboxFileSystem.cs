using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// File operations in a directory tree that a sandboxed agent controls, made so that the agent cannot redirect them
/// by changing the tree while they run (the class of CVE-2018-15664: a path is checked, then swapped for a symbolic
/// link with <c>renameat2(RENAME_EXCHANGE)</c> before it is used).
/// <list type="bullet">
/// <item>The root is opened once, as the server (its parents may be private to the server), and held as an fd.</item>
/// <item>Every path below it is resolved by the kernel in one <c>openat2</c> relative to that fd with
/// <c>RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV</c>: a link anywhere on the
/// path, a step out of the root or onto another mount fails the call. Nothing is checked first and used later; the
/// fd the kernel resolved is the thing used. No path is ever resolved from <c>/</c>.</item>
/// <item>Names are created, replaced and removed relative to a held directory fd (<c>mkdirat</c>, <c>renameat</c>,
/// <c>unlinkat</c>), which never follow their last component; a write goes to a new temporary file that is renamed
/// over the name, so a link planted there is replaced, never written through, and readers never see half a file.</item>
/// <item>When the server is root, each operation's syscalls run with the thread's fsuid/fsgid set to the sandbox
/// user (<see cref="FileSystemUserScope"/>): the kernel checks permissions as it checks the agent's, so a mistake
/// here still reaches only what the agent could, and what is created belongs to the agent without a chown by path.</item>
/// <item>Reads open with O_NONBLOCK and return only what <c>statx</c> on the opened fd says is a regular file, so a
/// FIFO or device cannot block or feed the server.</item>
/// </list>
/// A path that is or goes through a symbolic link is refused with <see cref="ArgumentException"/>, as a bad path (the
/// HTTP API answers 400, as it did when links were checked by path); other failures are <see cref="IOException"/>s.
/// Messages name the relative path only, never where the root is on the host.
/// </summary>
internal sealed partial class SandboxFileSystem : IDisposable
{
    private const ulong Beneath = Native.ResolveBeneath | Native.ResolveNoSymlinks | Native.ResolveNoMagicLinks | Native.ResolveNoXdev;
    private const int FileMode = 0b110_100_100; // 0644, before the umask
    private const int DirectoryMode = 0b111_101_101; // 0755, before the umask

    // No O_NOFOLLOW here: with O_PATH it would open a trailing link itself (and with O_DIRECTORY fail with ENOTDIR,
    // as if the directory were missing); without it, RESOLVE_NO_SYMLINKS refuses the link like any other (ELOOP).
    private static readonly int DirectoryFlags = Native.OPath | Native.ODirectory | Native.OCloExec;
    private static readonly byte[] Dot = Native.Utf8Z(".");
    private static readonly byte[] EmptyPath = [0];
    private static readonly Lock BindLock = new();
    private static bool s_bound;

    private readonly SafeFileHandle _root;
    private readonly int? _userId;
    private readonly int? _groupId;

    /// <param name="rootPath">The root directory on the host; made by the runtime, so opening it by path is safe.</param>
    /// <param name="fsUserId">The sandbox's host user when the server is root; null for no switch.</param>
    /// <param name="fsGroupId">Its group; the user id when null.</param>
    public SandboxFileSystem(string rootPath, int? fsUserId, int? fsGroupId = null)
    {
        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Sandbox file operations need Linux on a 64-bit x64, Arm64, RISC-V or LoongArch process.");
        }

        var fd = Native.OpenAt2(Native.AtFdCwd, Native.Utf8Z(rootPath), DirectoryFlags | Native.ONoFollow, 0, 0, out var errno);
        if (fd < 0)
        {
            throw errno == Native.ENoSys
                ? new PlatformNotSupportedException("Sandbox file operations need openat2 (Linux 5.6 or later).")
                : new IOException($"Could not open the sandbox's root directory: {Marshal.GetPInvokeErrorMessage(errno)}.");
        }

        _root = new SafeFileHandle(fd, ownsHandle: true);
        _userId = fsUserId;
        _groupId = fsUserId is null ? null : fsGroupId ?? fsUserId;
        lock (BindLock)
        {
            if (!s_bound)
            {
                using var root = new RootLease(_root);
                Native.BindEntryPoints(root.Fd);
                s_bound = true;
            }
        }
    }

    /// <summary>Opens a regular file for reading, or returns null when there is none at the path.</summary>
    public Stream? OpenRead(string relativePath)
    {
        var handle = OpenRegularFile(relativePath);
        return handle is null ? null : new FileStream(handle, FileAccess.Read);
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> of a regular file from <paramref name="offset"/> on, or returns null
    /// when there is none at the path. The length and identity (device and inode) are the opened file's, from
    /// <c>statx</c> on its fd, so they describe the bytes read even if the name is swapped meanwhile; bytes the agent
    /// appends after the open are left for the next read.
    /// </summary>
    public SandboxFileRange? ReadRange(string relativePath, long offset, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var handle = OpenRegularFile(relativePath, Native.StatxSize | Native.StatxIno, out var stat);
        if (handle is null)
        {
            return null;
        }

        var length = (long)stat.Size;
        var buffer = new byte[(int)Math.Clamp(length - offset, 0, Math.Min(maxBytes, Array.MaxLength))];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), offset + total);
            if (read == 0)
            {
                break; // Truncated since the open.
            }

            total += read;
        }

        var identity = (stat.Mask & Native.StatxIno) != 0 ? FormattableString.Invariant($"{stat.DevMajor}:{stat.DevMinor}:{stat.Ino}") : null;
        return new SandboxFileRange(buffer.AsMemory(0, total), length, identity);
    }

    /// <summary>Reads a whole regular file, or returns null when there is none at the path.</summary>
    /// <exception cref="IOException">The file is larger than <paramref name="maxBytes"/>, or could not be read.</exception>
    public byte[]? ReadAll(string relativePath, long maxBytes)
    {
        using var handle = OpenRegularFile(relativePath);
        if (handle is null)
        {
            return null;
        }

        var limit = (int)Math.Clamp(maxBytes, 0, Array.MaxLength);
        var length = RandomAccess.GetLength(handle);
        if (length > limit)
        {
            throw TooLarge(relativePath, maxBytes);
        }

        var buffer = new byte[length];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                // The agent may be appending as we read: take what is there, but never more than the limit.
                if (total == limit)
                {
                    Span<byte> probe = stackalloc byte[1];
                    if (RandomAccess.Read(handle, probe, total) > 0)
                    {
                        throw TooLarge(relativePath, maxBytes);
                    }

                    break;
                }

                Array.Resize(ref buffer, (int)Math.Min(Math.Max(total * 2L, 4096), limit));
            }

            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total == buffer.Length ? buffer : buffer[..total];
    }

    /// <summary>Writes a file, creating its directories; replaces what is at the path atomically.</summary>
    public void Write(string relativePath, ReadOnlySpan<byte> content)
    {
        using var pending = BeginWrite(relativePath);
        RandomAccess.Write(pending.File, content, 0);
        pending.Commit();
    }

    /// <summary>Writes a file from a stream, creating its directories; replaces what is at the path atomically.</summary>
    public void Write(string relativePath, Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var pending = BeginWrite(relativePath);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long offset = 0;
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                RandomAccess.Write(pending.File, buffer.AsSpan(0, read), offset);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        pending.Commit();
    }

    /// <summary>
    /// Opens, making what is missing, the directory a file goes in, and creates a new temporary file there. The
    /// content is then written to <see cref="PendingWrite.File"/> without the identity switch (writing to an open fd
    /// checks nothing, and a caller's stream may run any code), and <see cref="PendingWrite.Commit"/> renames it over
    /// the name. Disposing an uncommitted write removes the temporary file.
    /// </summary>
    public PendingWrite BeginWrite(string relativePath)
    {
        var components = SandboxRelativePath.Split(relativePath, allowRoot: false, nameof(relativePath));
        var names = Array.ConvertAll(components, Native.Utf8Z);
        var temporary = Native.Utf8Z($".agent-runtime-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        int directory, file, errno;
        using (var root = new RootLease(_root))
        {
            errno = CreateTemporaryFile(root.Fd, names, temporary, out directory, out file);
        }

        return errno == 0
            ? new PendingWrite(this, new SafeFileHandle(directory, ownsHandle: true), new SafeFileHandle(file, ownsHandle: true), temporary, names[^1], relativePath)
            : throw Error(errno, "write", relativePath);
    }

    /// <summary>Deletes a file (not a directory); returns whether there was one.</summary>
    /// <exception cref="ArgumentException">The path is or goes through a symbolic link.</exception>
    /// <exception cref="IOException">The path is a directory, or the file could not be deleted.</exception>
    public bool Delete(string relativePath)
    {
        var components = SandboxRelativePath.Split(relativePath, allowRoot: false, nameof(relativePath));
        var parent = components.Length == 1 ? Dot : Native.Utf8Z(string.Join('/', components[..^1]));
        int errno;
        using (var root = new RootLease(_root))
        {
            errno = DeleteEntry(root.Fd, parent, Native.Utf8Z(components[^1]));
        }

        return errno switch
        {
            0 => true,
            Native.ENoEnt or Native.ENotDir => false,
            _ => throw Error(errno, "delete", relativePath),
        };
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Switches the calling thread to the sandbox's filesystem identity, when there is one.</summary>
    internal FileSystemUserScope EnterUser() => FileSystemUserScope.Enter(_userId, _groupId);

    internal static Exception Error(int errno, string verb, string relativePath) => errno switch
    {
        Native.ELoop => new ArgumentException($"The path '{relativePath}' is or goes through a symbolic link; links in a sandbox are not followed.", nameof(relativePath)),
        Native.EXDev => new IOException($"Could not {verb} '{relativePath}': the path crosses into another file system."),
        Native.EIsDir => new IOException($"Could not {verb} '{relativePath}': it is a directory."),
        Native.ENotDir => new IOException($"Could not {verb} '{relativePath}': a component of the path is not a directory."),
        _ => new IOException($"Could not {verb} '{relativePath}': {Marshal.GetPInvokeErrorMessage(errno)}."),
    };

    private static IOException TooLarge(string relativePath, long maxBytes) =>
        new($"Could not read '{relativePath}': it is larger than {maxBytes} bytes.");

    private SafeFileHandle? OpenRegularFile(string relativePath) => OpenRegularFile(relativePath, 0, out _);

    // statxMask: what stat should hold besides the type.
    private SafeFileHandle? OpenRegularFile(string relativePath, uint statxMask, out Native.StatxBuffer stat)
    {
        stat = default;
        SandboxRelativePath.Split(relativePath, allowRoot: false, nameof(relativePath));
        var path = Native.Utf8Z(relativePath);
        int fd, errno;
        using (var root = new RootLease(_root))
        using (EnterUser())
        {
            fd = Native.OpenAt2(root.Fd, path, Native.ORdOnly | Native.ONonBlock | Native.ONoCtty | Native.ONoFollow | Native.OCloExec, 0, Beneath, out errno);
        }

        if (fd < 0)
        {
            return errno is Native.ENoEnt or Native.ENotDir ? null : throw Error(errno, "read", relativePath);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Native.Statx(fd, EmptyPath, Native.AtEmptyPath, Native.StatxType | statxMask, out stat) != 0 || Native.ClearNonBlocking(fd) < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Error(errno, "read", relativePath);
        }

        if (stat.Type != Native.SIfReg)
        {
            handle.Dispose();
            return null;
        }

        return handle;
    }

    /// <summary>Returns 0 with the directory and temporary file open, or an errno with nothing open.</summary>
    private int CreateTemporaryFile(int rootFd, byte[][] names, byte[] temporary, out int directory, out int file)
    {
        file = -1;
        using var user = EnterUser();
        directory = Native.OpenAt2(rootFd, Dot, DirectoryFlags, 0, Beneath, out var errno);
        for (var i = 0; directory >= 0 && i < names.Length - 1; i++)
        {
            // One component at a time, each relative to the last: each open is its own RESOLVE_BENEATH walk, and
            // what mkdirat creates is opened (and refused, if swapped for a link meanwhile) like anything else.
            var next = Native.OpenAt2(directory, names[i], DirectoryFlags, 0, Beneath, out errno);
            if (next < 0 && errno == Native.ENoEnt)
            {
                if (Native.MkdirAt(directory, names[i], DirectoryMode) != 0 && Marshal.GetLastPInvokeError() is var mkdirErrno and not Native.EExist)
                {
                    errno = mkdirErrno;
                }
                else
                {
                    next = Native.OpenAt2(directory, names[i], DirectoryFlags, 0, Beneath, out errno);
                }
            }

            Native.close(directory);
            directory = next;
        }

        if (directory < 0)
        {
            return errno;
        }

        file = Native.OpenAt2(directory, temporary, Native.OWrOnly | Native.OCreat | Native.OExcl | Native.ONoFollow | Native.OCloExec, FileMode, Beneath, out errno);
        if (file < 0)
        {
            Native.close(directory);
            directory = -1;
            return errno;
        }

        return 0;
    }

    private int DeleteEntry(int rootFd, byte[] parent, byte[] name)
    {
        using var user = EnterUser();
        var directory = Native.OpenAt2(rootFd, parent, DirectoryFlags, 0, Beneath, out var errno);
        if (directory < 0)
        {
            return errno;
        }

        try
        {
            if (Native.Statx(directory, name, Native.AtSymlinkNoFollow | Native.AtNoAutomount, Native.StatxType, out var stat) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            // The entry may be swapped between statx and unlinkat; unlinkat never follows its last component, so the
            // worst the agent gets is its own link removed, or a directory refused by unlinkat itself.
            return stat.Type switch
            {
                Native.SIfLnk => Native.ELoop,
                Native.SIfDir => Native.EIsDir,
                _ => Native.UnlinkAt(directory, name, 0) == 0 ? 0 : Marshal.GetLastPInvokeError(),
            };
        }
        finally
        {
            Native.close(directory);
        }
    }
}
