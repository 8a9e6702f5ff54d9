using System.Text;
using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local.Tests.Files;

public sealed class SandboxFileSystemTests : IDisposable
{
    private readonly TestTree _tree = new();
    private readonly SandboxFileSystem _files;

    public SandboxFileSystemTests() => _files = _tree.Open();

    [Fact]
    public void Write_InMissingDirectories_CreatesThemAndReadsBack()
    {
        _files.Write("a/b/c.txt", "hello"u8);

        Assert.True(Directory.Exists(_tree.InRoot("a/b")));
        Assert.Equal("hello", Encoding.UTF8.GetString(_files.ReadAll("a/b/c.txt", 1024)!));
    }

    [Fact]
    public void Write_OverAnExistingFile_ReplacesItWholeAndLeavesNoTemporaryFile()
    {
        _files.Write("f.txt", "first version"u8);
        using var reader = _files.OpenRead("f.txt")!;

        _files.Write("f.txt", "second"u8);

        // The rename put a new file in place; a reader of the old one still sees all of the old one.
        Assert.Equal("first version", new StreamReader(reader).ReadToEnd());
        Assert.Equal("second", Encoding.UTF8.GetString(_files.ReadAll("f.txt", 1024)!));
        Assert.Equal([_tree.InRoot("f.txt")], Directory.GetFileSystemEntries(_tree.Root));
    }

    [Fact]
    public void Write_FromAStream_WritesAllOfIt()
    {
        var content = new byte[1_000_003];
        Random.Shared.NextBytes(content);

        _files.Write("big.bin", new MemoryStream(content));

        Assert.Equal(content, File.ReadAllBytes(_tree.InRoot("big.bin")));
    }

    [Fact]
    public void Write_OverADirectory_ThrowsAndLeavesNoTemporaryFile()
    {
        Directory.CreateDirectory(_tree.InRoot("d/inner"));

        var error = Assert.Throws<IOException>(() => _files.Write("d", "x"u8));

        Assert.Contains("'d'", error.Message);
        Assert.Equal([_tree.InRoot("d")], Directory.GetFileSystemEntries(_tree.Root));
    }

    [Fact]
    public void Write_UnderAFile_ThrowsIOException()
    {
        _tree.WriteInRoot("file", "x");

        var error = Assert.Throws<IOException>(() => _files.Write("file/child.txt", "x"u8));

        Assert.Contains("not a directory", error.Message);
    }

    [Fact]
    public void ReadAll_MissingFileOrParentOrAFileAsParent_ReturnsNull()
    {
        _tree.WriteInRoot("file", "x");

        Assert.Null(_files.ReadAll("missing.txt", 1024));
        Assert.Null(_files.ReadAll("missing/x.txt", 1024));
        Assert.Null(_files.ReadAll("file/x.txt", 1024));
    }

    [Fact]
    public void ReadAll_Directory_ReturnsNull()
    {
        Directory.CreateDirectory(_tree.InRoot("d"));

        Assert.Null(_files.ReadAll("d", 1024));
        Assert.Null(_files.OpenRead("d"));
    }

    [Fact]
    public void ReadAll_FileLargerThanTheLimit_ThrowsIOException()
    {
        _tree.WriteInRoot("big.txt", new string('x', 2000));

        var error = Assert.Throws<IOException>(() => _files.ReadAll("big.txt", 1000));

        Assert.Equal("Could not read 'big.txt': it is larger than 1000 bytes.", error.Message);
        Assert.Equal(2000, _files.ReadAll("big.txt", 2000)!.Length);
    }

    [Theory]
    [InlineData(0, 4, "0123")]
    [InlineData(6, 100, "6789")]
    [InlineData(3, 0, "")]
    [InlineData(10, 5, "")]
    [InlineData(5000, 5, "")]
    public void ReadRange_OfAFile_ReturnsAtMostMaxBytesFromTheOffsetAndTheWholeLength(long offset, int maxBytes, string expected)
    {
        _tree.WriteInRoot("d/f.txt", "0123456789");

        var range = _files.ReadRange("d/f.txt", offset, maxBytes)!;

        Assert.Equal(expected, Encoding.UTF8.GetString(range.Content.Span));
        Assert.Equal(10, range.Length);
    }

    [Fact]
    public void ReadRange_MissingFileOrParentOrADirectory_ReturnsNull()
    {
        _tree.WriteInRoot("file", "x");
        Directory.CreateDirectory(_tree.InRoot("d"));

        Assert.Null(_files.ReadRange("missing.txt", 0, 10));
        Assert.Null(_files.ReadRange("missing/x.txt", 0, 10));
        Assert.Null(_files.ReadRange("file/x.txt", 0, 10));
        Assert.Null(_files.ReadRange("d", 0, 10));
    }

    [Fact]
    public void ReadRange_NegativeOffsetOrCount_ThrowsArgumentOutOfRangeException()
    {
        _tree.WriteInRoot("f.txt", "x");

        Assert.Throws<ArgumentOutOfRangeException>(() => _files.ReadRange("f.txt", -1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => _files.ReadRange("f.txt", 0, -1));
    }

    [Fact]
    public void ReadRange_FileAppendedTo_KeepsItsIdentityAndAFileRenamedOverItHasAnother()
    {
        var path = _tree.WriteInRoot("t.jsonl", "one\n");
        var first = _files.ReadRange("t.jsonl", 0, 100)!;
        File.AppendAllText(path, "two\n");
        var appended = _files.ReadRange("t.jsonl", 4, 100)!;
        File.Move(_tree.WriteInRoot("t.jsonl.new", "one\ntwo\n"), path, overwrite: true);
        var replaced = _files.ReadRange("t.jsonl", 4, 100)!;

        Assert.NotNull(first.Identity);
        Assert.Equal(first.Identity, appended.Identity);
        Assert.Equal("two\n", Encoding.UTF8.GetString(appended.Content.Span));
        Assert.Equal(8, appended.Length);
        Assert.NotEqual(first.Identity, replaced.Identity);
        Assert.Equal(appended.Content.ToArray(), replaced.Content.ToArray());
    }

    [Fact]
    public void Delete_ExistingFile_RemovesItAndReturnsTrue()
    {
        _tree.WriteInRoot("d/f.txt", "x");

        Assert.True(_files.Delete("d/f.txt"));

        Assert.False(File.Exists(_tree.InRoot("d/f.txt")));
        Assert.True(Directory.Exists(_tree.InRoot("d")));
    }

    [Fact]
    public void Delete_MissingFileOrParent_ReturnsFalse()
    {
        _tree.WriteInRoot("file", "x");

        Assert.False(_files.Delete("missing.txt"));
        Assert.False(_files.Delete("missing/x.txt"));
        Assert.False(_files.Delete("file/x.txt"));
    }

    [Fact]
    public void Delete_Directory_ThrowsIOExceptionAndKeepsIt()
    {
        Directory.CreateDirectory(_tree.InRoot("d"));

        var error = Assert.Throws<IOException>(() => _files.Delete("d"));

        Assert.Contains("is a directory", error.Message);
        Assert.True(Directory.Exists(_tree.InRoot("d")));
    }

    [Fact]
    public void List_NestedTree_ReturnsTheRegularFilesSortedWithSizesAndTimes()
    {
        var written = new DateTime(2025, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc);
        foreach (var (path, content) in new[] { ("b.txt", "bb"), ("a/z.txt", "zzz"), ("a/b/c/deep.txt", "d"), ("B.txt", "") })
        {
            File.SetLastWriteTimeUtc(_tree.WriteInRoot(path, content), written);
        }

        Directory.CreateDirectory(_tree.InRoot("empty"));

        var scan = _files.List("", ScanLimits.Default);

        Assert.Equal(["B.txt", "a/b/c/deep.txt", "a/z.txt", "b.txt"], scan.Files.Select(f => f.RelativePath));
        Assert.Equal([0L, 1, 3, 2], scan.Files.Select(f => f.Size));
        Assert.All(scan.Files, f => Assert.Equal(written, f.LastWriteTime.UtcDateTime));
        Assert.Equal(ScanLimit.None, scan.LimitsReached);
        Assert.Empty(scan.SkippedExamples);
    }

    [Fact]
    public void List_Subdirectory_ReturnsPathsRelativeToTheRoot()
    {
        _tree.WriteInRoot("a/b/one.txt", "1");
        _tree.WriteInRoot("a/two.txt", "2");
        _tree.WriteInRoot("other.txt", "3");

        var scan = _files.List("a/b", ScanLimits.Default);

        Assert.Equal(["a/b/one.txt"], scan.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void List_MissingDirectoryOrAFile_ReturnsNothing()
    {
        _tree.WriteInRoot("file", "x");

        Assert.Empty(_files.List("missing", ScanLimits.Default).Files);
        Assert.Empty(_files.List("file", ScanLimits.Default).Files);
    }

    [Theory]
    [InlineData("line\nbreak.txt")]
    [InlineData("dir ü/日本語 名前.txt")]
    [InlineData("back\\slash/tab\t.txt")]
    [InlineData("emoji 🦀/x")]
    public void Names_WithNewlinesUnicodeAndBackslashes_RoundTrip(string path)
    {
        _files.Write(path, "content"u8);

        Assert.Equal([path], _files.List("", ScanLimits.Default).Files.Select(f => f.RelativePath));
        Assert.Equal("content", File.ReadAllText(_tree.InRoot(path)));
        Assert.Equal("content", Encoding.UTF8.GetString(_files.ReadAll(path, 100)!));
        Assert.True(_files.Delete(path));
    }

    [Fact]
    public void Operations_AfterDispose_ThrowObjectDisposedException()
    {
        _files.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _files.ReadAll("x", 10));
        Assert.Throws<ObjectDisposedException>(() => _files.List("", ScanLimits.Default));
    }

    public void Dispose() => _tree.Dispose();
}
