using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local.Tests.Files;

/// <summary>What an agent can plant in its own tree — links, FIFOs, huge trees, odd paths — meets a refusal or a report.</summary>
public sealed class SandboxFileSystemAbuseTests : IDisposable
{
    private const string Secret = "host-secret-5b1e";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TestTree _tree = new();
    private readonly SandboxFileSystem _files;
    private readonly string _outsideDirectory;
    private readonly string _outsideFile;

    public SandboxFileSystemAbuseTests()
    {
        _files = _tree.Open();
        _outsideDirectory = _tree.Outside("outside");
        Directory.CreateDirectory(_outsideDirectory);
        File.WriteAllText(Path.Combine(_outsideDirectory, "secret.txt"), Secret);
        _outsideFile = _tree.Outside("secret.txt");
        File.WriteAllText(_outsideFile, Secret);
        File.CreateSymbolicLink(_tree.InRoot("file-link"), _outsideFile);
        Directory.CreateSymbolicLink(_tree.InRoot("dir-link"), _outsideDirectory);
    }

    [Theory]
    [InlineData("file-link")]
    [InlineData("dir-link/secret.txt")]
    public void Read_ThroughASymlink_IsRefused(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => _files.ReadAll(path, 1024));

        Assert.Contains($"'{path}' is or goes through a symbolic link", error.Message);
        Assert.DoesNotContain(_tree.Base, error.Message);
        Assert.Throws<ArgumentException>(() => _files.OpenRead(path));
        Assert.Throws<ArgumentException>(() => _files.ReadRange(path, 0, 1024));
        Assert.Throws<ArgumentException>(() => _files.ReadRange(path, 5, 1));
    }

    [Theory]
    [InlineData("dir-link/new.txt")]
    [InlineData("dir-link/sub/new.txt")]
    [InlineData("dir-link/secret.txt")]
    public void Write_ThroughADirectorySymlink_IsRefusedAndTheTargetUntouched(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => _files.Write(path, "pwned"u8));

        Assert.DoesNotContain(_tree.Base, error.Message);
        Assert.Equal(["secret.txt"], Directory.GetFileSystemEntries(_outsideDirectory).Select(Path.GetFileName));
        Assert.Equal(Secret, File.ReadAllText(Path.Combine(_outsideDirectory, "secret.txt")));
    }

    [Fact]
    public void Write_OverASymlinkAtTheName_ReplacesTheLinkNotItsTarget()
    {
        _files.Write("file-link", "replaced"u8);

        Assert.Equal(Secret, File.ReadAllText(_outsideFile));
        Assert.Null(new FileInfo(_tree.InRoot("file-link")).LinkTarget);
        Assert.Equal("replaced", File.ReadAllText(_tree.InRoot("file-link")));
    }

    [Theory]
    [InlineData("file-link")]
    [InlineData("dir-link")]
    [InlineData("dir-link/secret.txt")]
    public void Delete_ASymlinkOrThroughOne_IsRefusedAndTheTargetUntouched(string path)
    {
        Assert.Throws<ArgumentException>(() => _files.Delete(path));

        Assert.True(File.Exists(_outsideFile));
        Assert.True(File.Exists(Path.Combine(_outsideDirectory, "secret.txt")));
        Assert.NotNull(new FileInfo(_tree.InRoot("file-link")).LinkTarget);
    }

    [Fact]
    public void List_WithSymlinks_ReportsThemSkippedAndNeverDescends()
    {
        _tree.WriteInRoot("real/file.txt", "x");
        Directory.CreateSymbolicLink(_tree.InRoot("real/loop"), _tree.Root);

        var scan = _files.List("", ScanLimits.Default);

        Assert.Equal(["real/file.txt"], scan.Files.Select(f => f.RelativePath));
        Assert.Equal(3, scan.Skipped(ScanSkipReason.SymbolicLink));
        Assert.Equal(["dir-link", "file-link", "real/loop"], scan.SkippedExamples.Select(s => s.RelativePath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void List_ADirectoryThatIsASymlink_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => _files.List("dir-link", ScanLimits.Default));

        Assert.DoesNotContain(_tree.Base, error.Message);
    }

    [Fact]
    public async Task Read_Fifo_ReturnsNullWithoutBlocking()
    {
        TestTree.MakeFifo(_tree.InRoot("pipe"));

        var content = await Task.Run(() => _files.ReadAll("pipe", 1024), TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var range = await Task.Run(() => _files.ReadRange("pipe", 0, 1024), TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Null(content);
        Assert.Null(range);
        Assert.Equal(ScanSkipReason.NotARegularFile, Assert.Single(_files.List("", ScanLimits.Default).SkippedExamples, s => s.RelativePath == "pipe").Reason);
    }

    [Fact]
    public void List_TreeDeeperThanMaxDepth_ListsWhatIsWithinAndReportsTheLimit()
    {
        var deep = string.Join('/', Enumerable.Repeat("d", 300));
        _tree.WriteInRoot(deep + "/bottom.txt", "x");
        var shallow = string.Join('/', Enumerable.Repeat("d", 10)) + "/shallow.txt";
        _tree.WriteInRoot(shallow, "x");

        var scan = _files.List("", ScanLimits.Default);

        Assert.Equal([shallow], scan.Files.Select(f => f.RelativePath));
        Assert.Equal(ScanLimit.Depth, scan.LimitsReached);
    }

    [Fact]
    public void List_PathLongerThanMaxPathLength_IsLeftOutAndReported()
    {
        var longPath = string.Join('/', Enumerable.Repeat(new string('n', 200), 6)) + "/far.txt";
        _files.Write(longPath, "x"u8);
        _files.Write("near.txt", "x"u8);

        var scan = _files.List("", ScanLimits.Default);

        Assert.Equal(["near.txt"], scan.Files.Select(f => f.RelativePath));
        Assert.Equal(ScanLimit.PathLength, scan.LimitsReached);
        Assert.NotNull(_files.ReadAll(longPath, 10));
    }

    [Fact]
    public void List_MoreFilesThanMaxFiles_IsTruncatedAndReported()
    {
        for (var i = 0; i < 25; i++)
        {
            _tree.WriteInRoot($"many/{i:D2}.txt", "x");
        }

        var scan = _files.List("many", new ScanLimits { MaxFiles = 10 });

        Assert.Equal(10, scan.Files.Count);
        Assert.Equal(ScanLimit.Files, scan.LimitsReached);
        Assert.Equal(25, _files.List("many", ScanLimits.Default).Files.Count);
    }

    [Fact]
    public void List_MoreEntriesThanMaxEntries_StopsAndReports()
    {
        for (var i = 0; i < 50; i++)
        {
            Directory.CreateDirectory(_tree.InRoot($"dirs/{i:D2}"));
        }

        var scan = _files.List("dirs", new ScanLimits { MaxEntries = 20 });

        Assert.Equal(ScanLimit.Entries, scan.LimitsReached);
    }

    [Fact]
    public void List_NameThatIsNotUtf8_IsSkippedAsUnreadable()
    {
        Directory.CreateDirectory(_tree.InRoot("raw"));
        TestTree.CreateRawFile(_tree.InRoot("raw"), [0x66, 0xFF, 0xFE, 0x2E, 0x74]);
        _tree.WriteInRoot("raw/ok.txt", "x");

        var scan = _files.List("raw", ScanLimits.Default);

        // Directory.Delete cannot name it, so it goes before anything can fail.
        TestTree.DeleteRawFile(_tree.InRoot("raw"), [0x66, 0xFF, 0xFE, 0x2E, 0x74]);
        Assert.Equal(["raw/ok.txt"], scan.Files.Select(f => f.RelativePath));
        Assert.Equal(1, scan.Skipped(ScanSkipReason.Unreadable));
    }

    public static TheoryData<string> HostilePaths() =>
    [
        "..", "../secret.txt", "a/../../secret.txt", "a/..", ".", "./a", "a/./b", "/etc/passwd", "a//b", "a/", "a\0b",
        new string('x', 256), "a/" + new string('x', 256), new string('x', 4097),
    ];

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void AnyOperation_WithAHostilePath_ThrowsArgumentExceptionWithoutTheHostPath(string path)
    {
        var errors = new[]
        {
            Assert.ThrowsAny<ArgumentException>(() => _files.ReadAll(path, 1024)),
            Assert.ThrowsAny<ArgumentException>(() => _files.OpenRead(path)),
            Assert.ThrowsAny<ArgumentException>(() => _files.ReadRange(path, 0, 1024)),
            Assert.ThrowsAny<ArgumentException>(() => _files.Write(path, "x"u8)),
            Assert.ThrowsAny<ArgumentException>(() => _files.Delete(path)),
            Assert.ThrowsAny<ArgumentException>(() => _files.List(path, ScanLimits.Default)),
        };

        Assert.All(errors, e => Assert.DoesNotContain(_tree.Base, e.Message));
        Assert.Equal(["dir-link", "file-link"], Directory.GetFileSystemEntries(_tree.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Secret, File.ReadAllText(_outsideFile));
    }

    [Fact]
    public void AnyOperation_WithALoneSurrogate_ThrowsRatherThanNameAnotherFile()
    {
        // Encoded leniently, "\uD800" would become U+FFFD and name a file the caller did not mean. (A fact, not theory
        // data: serialising the data for the test runner would already have replaced it.)
        var path = "lone\uD800surrogate";
        _tree.WriteInRoot("lone\uFFFDsurrogate", "other file");

        Assert.Throws<ArgumentException>(() => _files.ReadAll(path, 1024));
        Assert.Throws<ArgumentException>(() => _files.Write(path, "x"u8));
        Assert.Throws<ArgumentException>(() => _files.Delete(path));
        Assert.Equal("other file", File.ReadAllText(_tree.InRoot("lone\uFFFDsurrogate")));
    }

    [Fact]
    public void EmptyPath_IsTheRootForListingOnly()
    {
        _tree.WriteInRoot("x.txt", "x");

        Assert.Single(_files.List("", ScanLimits.Default).Files);
        Assert.Throws<ArgumentException>(() => _files.ReadAll("", 10));
        Assert.Throws<ArgumentException>(() => _files.Write("", "x"u8));
        Assert.Throws<ArgumentException>(() => _files.Delete(""));
    }

    public void Dispose() => _tree.Dispose();
}
