using System.Runtime.InteropServices;
using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local.Tests.Files;

/// <summary>With a sandbox user, the kernel checks each operation as that user and what is created is theirs. Needs root.</summary>
public sealed class SandboxFileSystemIdentityTests : IDisposable
{
    private const int User = TestTree.SandboxUserId;
    private static readonly string PermissionDenied = Marshal.GetPInvokeErrorMessage(Native.EAcces);
    private readonly TestTree _tree = new();

    [Fact]
    public void Write_AsTheSandboxUser_CreatesDirectoriesAndAFileItOwns()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Switching the filesystem user needs root.");
        var files = _tree.Open(User);

        files.Write("a/b/c.txt", "x"u8);

        Assert.All(new[] { "a", "a/b", "a/b/c.txt" }, p => Assert.Equal(((uint)User, (uint)User), TestTree.Owner(_tree.InRoot(p))));
    }

    [Fact]
    public void Read_ARootOwnedPrivateFile_IsDeniedToTheSandboxUser()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Switching the filesystem user needs root.");
        var path = _tree.WriteInRoot("private.txt", "root only");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var files = _tree.Open(User);

        var error = Assert.Throws<IOException>(() => files.ReadAll("private.txt", 100));
        var rangeError = Assert.Throws<IOException>(() => files.ReadRange("private.txt", 0, 100));

        Assert.Equal($"Could not read 'private.txt': {PermissionDenied}.", error.Message);
        Assert.Equal(error.Message, rangeError.Message);
        using var asServer = new SandboxFileSystem(_tree.Root, fsUserId: null);
        Assert.NotNull(asServer.ReadAll("private.txt", 100));
    }

    [Fact]
    public void WriteAndDelete_InARootOwnedDirectory_AreDeniedToTheSandboxUser()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Switching the filesystem user needs root.");
        _tree.WriteInRoot("locked/keep.txt", "keep");
        var files = _tree.Open(User);

        var write = Assert.Throws<IOException>(() => files.Write("locked/new.txt", "x"u8));
        var delete = Assert.Throws<IOException>(() => files.Delete("locked/keep.txt"));

        Assert.Equal($"Could not write 'locked/new.txt': {PermissionDenied}.", write.Message);
        Assert.Equal($"Could not delete 'locked/keep.txt': {PermissionDenied}.", delete.Message);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(_tree.InRoot("locked")).Select(Path.GetFileName));
    }

    [Fact]
    public void List_ADirectoryClosedToTheSandboxUser_IsSkippedAndReported()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Switching the filesystem user needs root.");
        _tree.WriteInRoot("closed/hidden.txt", "x");
        File.SetUnixFileMode(_tree.InRoot("closed"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _tree.WriteInRoot("open.txt", "x");
        var files = _tree.Open(User);

        var scan = files.List("", ScanLimits.Default);

        Assert.Equal(["open.txt"], scan.Files.Select(f => f.RelativePath));
        Assert.Equal(new ScanSkip("closed", ScanSkipReason.DirectoryUnavailable), Assert.Single(scan.SkippedExamples));
    }

    [Fact]
    public void Operations_SucceedingOrFailing_LeaveTheThreadWithTheServersIdentity()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Switching the filesystem user needs root.");
        _tree.WriteInRoot("locked/keep.txt", "keep");
        var files = _tree.Open(User);

        files.Write("mine.txt", "x"u8);
        Assert.Throws<IOException>(() => files.Write("locked/x", "x"u8));
        files.List("", ScanLimits.Default);

        Assert.Equal(0, Native.setfsuid(uint.MaxValue));
        Assert.Equal(0, Native.setfsgid(uint.MaxValue));
    }

    public void Dispose() => _tree.Dispose();
}
