using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    private const int MiB = 1 << 20;

    /// <summary>
    /// How many workspace-file chunk rows the store holds for a session, or <see langword="null"/> for a store that does
    /// not keep chunks (the in-memory one).
    /// </summary>
    protected virtual Task<long?> CountWorkspaceChunksAsync(string sessionId) => Task.FromResult<long?>(null);

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_SeveralChunksOfRandomBytes_ReadsBackByteExact()
    {
        var session = await CreateSessionAsync();
        var content = RandomBytes((3 * MiB) + 12345, seed: 7);

        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("big.bin", content, Epoch), content, CancellationToken);

        var read = await Store.ReadWorkspaceFileAsync(session.SessionId, "big.bin", CancellationToken);
        Assert.True(content.AsSpan().SequenceEqual(read), "The file read back differs from what was saved.");
        Assert.Equal(content.Length, Assert.Single(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken)).Size);
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 4);
    }

    [Fact(Timeout = Timeout)]
    public async Task OpenWorkspaceFile_SeekIntoTheMiddle_ReadsFromThere()
    {
        var session = await CreateSessionAsync();
        var content = RandomBytes((2 * MiB) + 99, seed: 8);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("big.bin", content, Epoch), content, CancellationToken);

        await using var stream = await Store.OpenWorkspaceFileAsync(session.SessionId, "big.bin", CancellationToken);
        Assert.NotNull(stream);
        Assert.Equal(content.Length, stream.Length);
        stream.Position = MiB + 5;
        var tail = new byte[content.Length - (MiB + 5)];
        await stream.ReadExactlyAsync(tail, CancellationToken);

        Assert.True(content.AsSpan(MiB + 5).SequenceEqual(tail));
        Assert.Equal(0, await stream.ReadAsync(new byte[1], CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_LargeFileReplacedBySmaller_LeavesNoOldChunks()
    {
        var session = await CreateSessionAsync();
        var first = RandomBytes((3 * MiB) + 1, seed: 1);
        var second = RandomBytes(MiB + 2, seed: 2);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", first, Epoch), first, CancellationToken);

        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", second, Epoch), second, CancellationToken);

        Assert.Equal(second, await Store.ReadWorkspaceFileAsync(session.SessionId, "f.bin", CancellationToken));
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 2);
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteWorkspaceFileAndSession_LargeFiles_RemoveTheirChunks()
    {
        var session = await CreateSessionAsync();
        var content = RandomBytes((2 * MiB) + 3, seed: 3);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("a.bin", content, Epoch), content, CancellationToken);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("b.bin", content, Epoch), content, CancellationToken);

        Assert.True(await Store.DeleteWorkspaceFileAsync(session.SessionId, "a.bin", CancellationToken));
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 3);
        Assert.Null(await Store.OpenWorkspaceFileAsync(session.SessionId, "a.bin", CancellationToken));

        Assert.True(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 0);
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_ZeroBytes_ReadsBackEmpty()
    {
        var session = await CreateSessionAsync();

        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("empty.txt", [], Epoch), Array.Empty<byte>(), CancellationToken);

        Assert.Equal(Array.Empty<byte>(), await Store.ReadWorkspaceFileAsync(session.SessionId, "empty.txt", CancellationToken));
        Assert.Equal(0, Assert.Single(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken)).Size);
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 0);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenWorkspaceFile_DeletedOrReplacedWhileRead_FailsOrReturnsTheOldContentNeverAMix(bool replace)
    {
        var session = await CreateSessionAsync();
        var content = RandomBytes((3 * MiB) + 7, seed: 4);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", content, Epoch), content, CancellationToken);
        await using var stream = await Store.OpenWorkspaceFileAsync(session.SessionId, "f.bin", CancellationToken);
        Assert.NotNull(stream);
        var head = new byte[100];
        await stream.ReadExactlyAsync(head, CancellationToken);

        if (replace)
        {
            var other = RandomBytes(content.Length, seed: 5);
            await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", other, Epoch), other, CancellationToken);
        }
        else
        {
            Assert.True(await Store.DeleteWorkspaceFileAsync(session.SessionId, "f.bin", CancellationToken));
        }

        // A store may hand out a snapshot (the in-memory one) or fetch as it goes (the databases): either the old
        // content whole, or an exception saying the file changed; never bytes of the new version.
        using var rest = new MemoryStream();
        try
        {
            await stream.CopyToAsync(rest, CancellationToken);
            Assert.True(content.AsSpan(100).SequenceEqual(rest.ToArray()), "The rest of the stream is not the old content.");
        }
        catch (WorkspaceFileChangedException ex)
        {
            Assert.Equal("f.bin", ex.Path);
            Assert.Contains("f.bin", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenWorkspaceFile_SmallFileDeletedOrReplacedBeforeTheFirstRead_ReadsTheOpenedVersionWhole(bool replace)
    {
        // The common case of a file an agent rewrites while a client downloads it: a file that fits one chunk is read
        // at the open, so what follows cannot fail it (a failure before the first byte would be the client's error).
        var session = await CreateSessionAsync();
        var content = RandomBytes(10_000, seed: 6);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("small.bin", content, Epoch), content, CancellationToken);
        await using var stream = await Store.OpenWorkspaceFileAsync(session.SessionId, "small.bin", CancellationToken);
        Assert.NotNull(stream);

        if (replace)
        {
            var other = RandomBytes(20_000, seed: 7);
            await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("small.bin", other, Epoch), other, CancellationToken);
        }
        else
        {
            Assert.True(await Store.DeleteWorkspaceFileAsync(session.SessionId, "small.bin", CancellationToken));
        }

        using var read = new MemoryStream();
        await stream.CopyToAsync(read, CancellationToken);
        Assert.Equal(content, read.ToArray());
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_StreamFailsMidway_KeepsThePreviousContent()
    {
        var session = await CreateSessionAsync();
        var previous = RandomBytes((2 * MiB) + 5, seed: 6);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", previous, Epoch), previous, CancellationToken);
        var next = RandomBytes(3 * MiB, seed: 9);
        await using var failing = new FailingStream(next, failAfter: (3 * MiB) / 2);

        await Assert.ThrowsAsync<IOException>(() => Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", next, Epoch), failing, CancellationToken));

        Assert.Equal(previous, await Store.ReadWorkspaceFileAsync(session.SessionId, "f.bin", CancellationToken));
        Assert.Equal(previous.Length, Assert.Single(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken)).Size);
        Assert.True(await CountWorkspaceChunksAsync(session.SessionId) is null or 3);
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_StreamLongerThanInfo_ThrowsAndKeepsThePreviousContent()
    {
        var session = await CreateSessionAsync();
        byte[] previous = [1, 2, 3];
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("f.bin", previous, Epoch), previous, CancellationToken);
        var longer = RandomBytes(MiB + 1, seed: 10);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveWorkspaceFileAsync(
            session.SessionId, FileInfo("f.bin", longer[..MiB], Epoch), longer, CancellationToken));

        Assert.Equal(previous, await Store.ReadWorkspaceFileAsync(session.SessionId, "f.bin", CancellationToken));
    }

    /// <summary>Reads like a stream over the bytes, then fails as a broken disk or connection would.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : Stream
    {
        private readonly MemoryStream _inner = new(content, writable: false);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Position >= failAfter
            ? throw new IOException("The source failed.")
            : _inner.Read(buffer, offset, (int)Math.Min(count, failAfter - _inner.Position));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
