using System.Text;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task AppendTranscript_TenMegabytesInPieces_ReloadsByteIdentical()
    {
        var session = await CreateSessionAsync();
        // Eleven pieces of a little over 1 MB, of differing lengths, so a store that loses or reorders one is caught.
        var pieces = Enumerable.Range(0, 11).Select(i => RandomBytes((1 << 20) + (i * 4099), seed: i)).ToArray();
        var expected = pieces.SelectMany(p => p).ToArray();
        Assert.True(expected.Length >= 10 * (1 << 20));

        foreach (var piece in pieces)
        {
            await Store.AppendTranscriptAsync(session.SessionId, "projects/-home-agent/session.jsonl", piece, CancellationToken);
        }

        var file = Assert.Single(await Store.LoadTranscriptAsync(session.SessionId, CancellationToken));
        Assert.Equal("projects/-home-agent/session.jsonl", file.RelativePath);
        Assert.Equal(expected.Length, file.Content.Length);
        Assert.True(expected.AsSpan().SequenceEqual(file.Content), "The reloaded transcript differs from what was appended.");
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendTranscript_ConcurrentTasksOnOneFile_KeepsEveryPieceWholeAndEachWritersOrder()
    {
        const int Tasks = 6;
        const int PiecesPerTask = 15;
        var session = await CreateSessionAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Each piece is one line naming its writer and index, padded to differing lengths, so the loaded file shows
        // whether a piece was lost, doubled or torn by another.
        var writers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await start.Task.WaitAsync(CancellationToken);
            for (var i = 0; i < PiecesPerTask; i++)
            {
                var line = $"{t}:{i}:{new string((char)('a' + t), 1 + ((t * 997 + i * 131) % 3000))}\n";
                await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", Encoding.UTF8.GetBytes(line), CancellationToken);
            }
        }, CancellationToken)).ToArray();
        start.SetResult();
        await Task.WhenAll(writers);

        var file = Assert.Single(await Store.LoadTranscriptAsync(session.SessionId, CancellationToken));
        var pieces = Encoding.UTF8.GetString(file.Content).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':'))
            .ToList();
        Assert.Equal(Tasks * PiecesPerTask, pieces.Count);
        Assert.All(pieces, p => Assert.Equal(1 + ((int.Parse(p[0]) * 997 + int.Parse(p[1]) * 131) % 3000), p[2].Length));
        Assert.All(pieces, p => Assert.True(p[2].All(c => c == (char)('a' + int.Parse(p[0]))), "A piece was torn by another."));
        foreach (var t in Enumerable.Range(0, Tasks))
        {
            Assert.Equal(Enumerable.Range(0, PiecesPerTask), pieces.Where(p => p[0] == $"{t}").Select(p => int.Parse(p[1])));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Listings_NamesWhoseUtf8AndUtf16OrdersDiffer_AreOrderedOrdinally()
    {
        // U+FF21 comes before U+1F680 in UTF-8 byte order but after it (a surrogate pair from U+D83D) in UTF-16 order;
        // every store lists by string.CompareOrdinal, so a store sorting by bytes alone is caught.
        string[] names = ["\uFF21.txt", "🚀.txt", "a.txt"];
        string[] expected = [.. names.Order(StringComparer.Ordinal)];
        Assert.Equal(["a.txt", "🚀.txt", "\uFF21.txt"], expected);
        var session = await CreateSessionAsync();

        foreach (var name in names)
        {
            await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo(name, [1], Epoch), new byte[] { 1 }, CancellationToken);
            await Store.AppendTranscriptAsync(session.SessionId, name, new byte[] { 1 }, CancellationToken);
            await Store.SaveProfileAsync(Profile(name, name), CancellationToken);
        }

        Assert.Equal(expected, (await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken)).Select(f => f.Path));
        Assert.Equal(expected, (await Store.LoadTranscriptAsync(session.SessionId, CancellationToken)).Select(f => f.RelativePath));
        Assert.Equal(expected, (await Store.ListProfilesAsync(CancellationToken)).Select(p => p.Id));
    }

    [Fact(Timeout = Timeout)]
    public async Task AppendTranscript_SeveralFiles_LoadsEachConcatenatedOrderedByPath()
    {
        var session = await CreateSessionAsync();

        await Store.AppendTranscriptAsync(session.SessionId, "b/two.jsonl", "b1\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "a/one.jsonl", "a1\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "b/two.jsonl", "b2\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "a/one.jsonl", ReadOnlyMemory<byte>.Empty, CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "c/empty.jsonl", ReadOnlyMemory<byte>.Empty, CancellationToken);
        // A slice of a larger array: only the slice is appended.
        await Store.AppendTranscriptAsync(session.SessionId, "a/one.jsonl", "xxa2\nyy"u8.ToArray().AsMemory(2, 3), CancellationToken);

        var files = await Store.LoadTranscriptAsync(session.SessionId, CancellationToken);
        Assert.Equal(["a/one.jsonl", "b/two.jsonl", "c/empty.jsonl"], files.Select(f => f.RelativePath));
        Assert.Equal("a1\na2\n", Encoding.UTF8.GetString(files[0].Content));
        Assert.Equal("b1\nb2\n", Encoding.UTF8.GetString(files[1].Content));
        Assert.Empty(files[2].Content);
    }

    [Fact(Timeout = Timeout)]
    public async Task ReplaceTranscript_AfterAppends_ReplacesOnlyThatFile()
    {
        var session = await CreateSessionAsync();
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "old 1\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "old 2\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "other.jsonl", "keep\n"u8.ToArray(), CancellationToken);

        await Store.ReplaceTranscriptAsync(session.SessionId, "main.jsonl", "new\n"u8.ToArray(), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "more\n"u8.ToArray(), CancellationToken);
        await Store.ReplaceTranscriptAsync(session.SessionId, "fresh.jsonl", "created\n"u8.ToArray(), CancellationToken);

        var files = (await Store.LoadTranscriptAsync(session.SessionId, CancellationToken)).ToDictionary(f => f.RelativePath, f => Encoding.UTF8.GetString(f.Content));
        Assert.Equal(new Dictionary<string, string>
        {
            ["fresh.jsonl"] = "created\n",
            ["main.jsonl"] = "new\nmore\n",
            ["other.jsonl"] = "keep\n",
        }, files);
    }

    [Fact(Timeout = Timeout)]
    public async Task LoadTranscript_NothingStored_ReturnsEmpty()
    {
        var session = await CreateSessionAsync();

        Assert.Empty(await Store.LoadTranscriptAsync(session.SessionId, CancellationToken));
        Assert.Empty(await Store.LoadTranscriptAsync(Guid.NewGuid().ToString(), CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task TranscriptAndFileWrites_UnknownSession_ThrowKeyNotFound()
    {
        // Writes for a session that does not exist (or was just deleted) must not leave rows that nothing owns.
        var sessionId = Guid.NewGuid().ToString();
        var content = new byte[] { 1 };

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AppendTranscriptAsync(sessionId, "t.jsonl", content, CancellationToken));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.ReplaceTranscriptAsync(sessionId, "t.jsonl", content, CancellationToken));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.SaveWorkspaceFileAsync(sessionId, FileInfo("a", content, Epoch), content, CancellationToken));

        await Store.CreateSessionAsync(NewSession(sessionId: sessionId), CancellationToken);
        Assert.Empty(await Store.LoadTranscriptAsync(sessionId, CancellationToken));
        Assert.Empty(await Store.ListWorkspaceFilesAsync(sessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task WorkspaceFile_UnicodePathAndBinaryContent_RoundTrips()
    {
        var session = await CreateSessionAsync();
        var binary = BinaryContent();
        var unicodePath = "docs/Übersicht/日本語 ファイル 🚀.bin";
        var plainPath = "README.md";
        var plain = "# hi\n"u8.ToArray();
        var binaryInfo = FileInfo(unicodePath, binary, Epoch.AddTicks(7));
        var plainInfo = FileInfo(plainPath, plain, Epoch.ToOffset(TimeSpan.FromHours(-9.5)));

        await Store.SaveWorkspaceFileAsync(session.SessionId, binaryInfo, binary, CancellationToken);
        await Store.SaveWorkspaceFileAsync(session.SessionId, plainInfo, plain, CancellationToken);

        Assert.Equal(binary, await Store.ReadWorkspaceFileAsync(session.SessionId, unicodePath, CancellationToken));
        Assert.Equal(plain, await Store.ReadWorkspaceFileAsync(session.SessionId, plainPath, CancellationToken));
        var listed = await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken);
        Assert.Equal([Json(plainInfo), Json(binaryInfo)], listed.Select(Json));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_ExistingPath_ReplacesContentAndInfo()
    {
        var session = await CreateSessionAsync();
        byte[] first = [1, 2, 3];
        byte[] second = [9, 8, 7, 6, 5];
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("src/a.bin", first, Epoch), first, CancellationToken);
        var replacement = FileInfo("src/a.bin", second, Epoch.AddDays(1));

        await Store.SaveWorkspaceFileAsync(session.SessionId, replacement, second, CancellationToken);

        Assert.Equal(second, await Store.ReadWorkspaceFileAsync(session.SessionId, "src/a.bin", CancellationToken));
        Assert.Equal(Json(replacement), Json(Assert.Single(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken))));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveWorkspaceFile_SizeDisagreesWithContent_ThrowsArgumentException()
    {
        var session = await CreateSessionAsync();
        byte[] content = [1, 2, 3];

        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveWorkspaceFileAsync(
            session.SessionId, FileInfo("a.bin", content, Epoch) with { Size = 4 }, content, CancellationToken));

        Assert.Empty(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteWorkspaceFile_ExistingFile_RemovesItAndReturnsFalseSecondTime()
    {
        var session = await CreateSessionAsync();
        byte[] content = [1];
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("gone.txt", content, Epoch), content, CancellationToken);
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("kept.txt", content, Epoch), content, CancellationToken);

        Assert.True(await Store.DeleteWorkspaceFileAsync(session.SessionId, "gone.txt", CancellationToken));
        Assert.False(await Store.DeleteWorkspaceFileAsync(session.SessionId, "gone.txt", CancellationToken));

        Assert.Null(await Store.ReadWorkspaceFileAsync(session.SessionId, "gone.txt", CancellationToken));
        Assert.Equal(["kept.txt"], (await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken)).Select(f => f.Path));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadWorkspaceFile_MissingFile_ReturnsNull()
    {
        var session = await CreateSessionAsync();

        Assert.Null(await Store.ReadWorkspaceFileAsync(session.SessionId, "nope.txt", CancellationToken));
        Assert.Null(await Store.ReadWorkspaceFileAsync(Guid.NewGuid().ToString(), "nope.txt", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadWorkspaceFile_CallerChangesReturnedArray_StoredContentUnchanged()
    {
        var session = await CreateSessionAsync();
        byte[] content = [1, 2, 3];
        await Store.SaveWorkspaceFileAsync(session.SessionId, FileInfo("a.bin", content, Epoch), content, CancellationToken);
        content[0] = 42;

        var read = await Store.ReadWorkspaceFileAsync(session.SessionId, "a.bin", CancellationToken);
        read![1] = 42;

        Assert.Equal([1, 2, 3], await Store.ReadWorkspaceFileAsync(session.SessionId, "a.bin", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task Profiles_SavedAndReplaced_GetAndListReturnLatestOrderedById()
    {
        var beta = Profile("beta", "Beta");
        var alpha = Profile("alpha", "Alpha") with { SystemPrompt = null, Model = null, AllowedTools = null };

        await Store.SaveProfileAsync(beta, CancellationToken);
        await Store.SaveProfileAsync(alpha, CancellationToken);
        var renamed = beta with { Name = "Beta 2", AllowedTools = ["Write"] };
        await Store.SaveProfileAsync(renamed, CancellationToken);

        Assert.Equal(Json(renamed), Json(await Store.GetProfileAsync("beta", CancellationToken)));
        Assert.Equal(Json(alpha), Json(await Store.GetProfileAsync("alpha", CancellationToken)));
        Assert.Null(await Store.GetProfileAsync("gamma", CancellationToken));
        Assert.Equal([Json(alpha), Json(renamed)], (await Store.ListProfilesAsync(CancellationToken)).Select(Json));
    }
}
