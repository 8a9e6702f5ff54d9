using System.Runtime.InteropServices;
using System.Text;
using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local.Tests.Files;

/// <summary>
/// A private (0700, root's when run as root) temporary directory holding a sandbox root, <c>root/</c>, and whatever
/// the tests put beside it as the outside world the sandbox must not reach. Host-side setup uses plain paths.
/// </summary>
internal sealed partial class TestTree : IDisposable
{
    /// <summary>An unprivileged uid no one uses, standing in for a sandbox's host user.</summary>
    public const int SandboxUserId = 200999;

    private readonly List<SandboxFileSystem> _fileSystems = [];

    public TestTree()
    {
        Base = Directory.CreateTempSubdirectory("agent-runtime-fs-tests-").FullName;
        File.SetUnixFileMode(Base, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Root = Path.Combine(Base, "root");
        Directory.CreateDirectory(Root);
    }

    public string Base { get; }

    public string Root { get; }

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>A file system over <see cref="Root"/>; with a user, the root is given to that user first.</summary>
    public SandboxFileSystem Open(int? fsUserId = null)
    {
        if (fsUserId is int uid)
        {
            Chown(Root, uid);
        }

        var fileSystem = new SandboxFileSystem(Root, fsUserId);
        _fileSystems.Add(fileSystem);
        return fileSystem;
    }

    public string InRoot(string relativePath) => Path.Combine(Root, relativePath);

    public string Outside(string name) => Path.Combine(Base, name);

    public string WriteInRoot(string relativePath, string content)
    {
        var path = InRoot(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public static void Chown(string path, int uid) => UnixFiles.ChangeOwner(path, uid, uid);

    public static (uint Uid, uint Gid) Owner(string path)
    {
        Assert.Equal(0, Native.Statx(Native.AtFdCwd, Native.Utf8Z(path), Native.AtSymlinkNoFollow, Native.StatxUid | Native.StatxGid, out var stat));
        return (stat.Uid, stat.Gid);
    }

    public static void MakeFifo(string path) => Assert.Equal(0, mkfifo(path, 0b110_000_000));

    /// <summary>Swaps two names atomically, as an agent racing the server would.</summary>
    public static bool Exchange(string a, string b) => renameat2(Native.AtFdCwd, a, Native.AtFdCwd, b, RenameExchange) == 0;

    /// <summary>Creates a file whose name is the given bytes, which need not be UTF-8.</summary>
    public static void CreateRawFile(string directory, byte[] name)
    {
        var fd = Native.OpenAt2(Native.AtFdCwd, RawPath(directory, name), Native.OWrOnly | Native.OCreat | Native.OCloExec, 0b110_100_100, 0, out var errno);
        Assert.True(fd >= 0, $"errno {errno}");
        Native.close(fd);
    }

    public static void DeleteRawFile(string directory, byte[] name) =>
        Assert.Equal(0, Native.UnlinkAt(Native.AtFdCwd, RawPath(directory, name), 0));

    private static byte[] RawPath(string directory, byte[] name) => [.. Encoding.UTF8.GetBytes(directory + "/"), .. name, 0];

    public void Dispose()
    {
        foreach (var fileSystem in _fileSystems)
        {
            fileSystem.Dispose();
        }

        Directory.Delete(Base, recursive: true);
    }

    private const uint RenameExchange = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);
}
