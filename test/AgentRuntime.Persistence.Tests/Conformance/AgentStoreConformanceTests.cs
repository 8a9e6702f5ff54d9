using AgentRuntime.Sessions;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

/// <summary>
/// What every <see cref="IAgentStore"/> must do, whatever it keeps data in. A store's test class derives from this
/// (or from <see cref="DurableAgentStoreConformanceTests"/> when its data outlives the instance) and says how to make
/// an empty store. Each test gets its own store.
/// </summary>
/// <remarks>The tests are grouped by subject in the other parts of this class.</remarks>
public abstract partial class AgentStoreConformanceTests : IAsyncLifetime
{
    /// <summary>Per test: long enough for the 10 MB transcript and 400 contended appends on a slow disk, short enough to fail a hang fast.</summary>
    protected const int Timeout = 30_000;

    private IAgentStore? _store;

    /// <summary>The store under test, created and initialized before each test.</summary>
    protected IAgentStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>Makes a new, empty store and calls its <see cref="IAgentStore.InitializeAsync"/>.</summary>
    protected abstract Task<IAgentStore> CreateStoreAsync(CancellationToken cancellationToken);

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync(CancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateSession_NewRecord_GetReturnsIdenticalRecord()
    {
        var session = NewSession();

        await Store.CreateSessionAsync(session, CancellationToken);

        var stored = await Store.GetSessionAsync(session.SessionId, CancellationToken);
        Assert.Equal(session, stored);
        // Record equality compares timestamps as instants; the JSON also carries the offset and every tick.
        Assert.Equal(Json(session), Json(stored));
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateSession_ExistingId_ThrowsAndKeepsOriginal()
    {
        var session = NewSession();
        await Store.CreateSessionAsync(session, CancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => Store.CreateSessionAsync(session with { Name = "other" }, CancellationToken));

        Assert.Equal(session, await Store.GetSessionAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task GetSession_UnknownId_ReturnsNull()
    {
        Assert.Null(await Store.GetSessionAsync(Guid.NewGuid().ToString(), CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task UpdateSession_ExistingSession_ReplacesRecord()
    {
        var session = NewSession();
        await Store.CreateSessionAsync(session, CancellationToken);
        var updated = session with
        {
            Name = null,
            LastActivity = Epoch.AddHours(1).ToOffset(TimeSpan.FromHours(-7)),
            SandboxRestartCount = 9,
            SandboxStartCount = 10,
            Metadata = new SessionMetadata { Usage = new TokenUsage { OutputTokens = 42 }, CostUsd = 1.5m },
        };

        await Store.UpdateSessionAsync(updated, CancellationToken);

        var stored = await Store.GetSessionAsync(session.SessionId, CancellationToken);
        Assert.Equal(Json(updated), Json(stored));
    }

    [Fact(Timeout = Timeout)]
    public async Task Session_SandboxId_KeptThroughCreateUpdateAndClear()
    {
        var session = NewSession() with { SandboxId = "sb-created" };
        await Store.CreateSessionAsync(session, CancellationToken);
        Assert.Equal("sb-created", (await Store.GetSessionAsync(session.SessionId, CancellationToken))!.SandboxId);

        await Store.UpdateSessionAsync(session with { SandboxId = "sb-replaced" }, CancellationToken);
        Assert.Equal("sb-replaced", (await Store.GetSessionAsync(session.SessionId, CancellationToken))!.SandboxId);
        Assert.Equal("sb-replaced", (await Store.ListSessionsAsync(null, CancellationToken)).Single(s => s.SessionId == session.SessionId).SandboxId);

        await Store.UpdateSessionAsync(session with { SandboxId = null }, CancellationToken);
        Assert.Null((await Store.GetSessionAsync(session.SessionId, CancellationToken))!.SandboxId);
    }

    [Fact(Timeout = Timeout)]
    public async Task UpdateSession_UnknownSession_ThrowsKeyNotFound()
    {
        var session = NewSession();

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.UpdateSessionAsync(session, CancellationToken));

        Assert.Null(await Store.GetSessionAsync(session.SessionId, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessions_DifferentOffsets_MostRecentlyActiveInstantFirst()
    {
        // Local clock times sort differently from the instants: a store comparing the text of the timestamps fails.
        var day = new DateTime(2025, 6, 1);
        var a = NewSession(new DateTimeOffset(day.AddHours(10), TimeSpan.Zero));           // 10:00 UTC
        var b = NewSession(new DateTimeOffset(day.AddHours(12), TimeSpan.FromHours(5)));    // 07:00 UTC
        var c = NewSession(new DateTimeOffset(day.AddHours(9), TimeSpan.FromHours(-3)));    // 12:00 UTC
        foreach (var session in new[] { a, b, c })
        {
            await Store.CreateSessionAsync(session, CancellationToken);
        }

        var listed = await Store.ListSessionsAsync(null, CancellationToken);
        Assert.Equal([c.SessionId, a.SessionId, b.SessionId], listed.Select(s => s.SessionId));

        await Store.UpdateSessionAsync(b with { LastActivity = c.LastActivity.AddTicks(1) }, CancellationToken);

        listed = await Store.ListSessionsAsync(null, CancellationToken);
        Assert.Equal([b.SessionId, c.SessionId, a.SessionId], listed.Select(s => s.SessionId));
        Assert.Equal(Json(a), Json(listed[2]));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessions_EmptyStore_ReturnsEmpty()
    {
        Assert.Empty(await Store.ListSessionsAsync(null, CancellationToken));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(null)]
    [InlineData("")]
    public async Task SessionIdArguments_NullOrEmpty_ThrowArgumentException(string? sessionId)
    {
        var id = sessionId!;
        var content = new byte[] { 1 };
        var file = FileInfo("a.txt", content, Epoch);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CreateSessionAsync(NewSession() with { SessionId = id }, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpdateSessionAsync(NewSession() with { SessionId = id }, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetSessionAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteSessionAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.AppendEventsAsync(id, 0, [Turn(1)], CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadEventsAsync(id, 0, CancellationToken).ToListAsync(CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetLastSeqAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.LoadTranscriptAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.AppendTranscriptAsync(id, "t.jsonl", content, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ReplaceTranscriptAsync(id, "t.jsonl", content, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListWorkspaceFilesAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ReadWorkspaceFileAsync(id, "a.txt", CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SaveWorkspaceFileAsync(id, file, content, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteWorkspaceFileAsync(id, "a.txt", CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetProfileAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SaveProfileAsync(Profile(id, "n"), CancellationToken));
        Assert.Empty(await Store.ListSessionsAsync(null, CancellationToken));
        Assert.Empty(await Store.ListProfilesAsync(CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteSession_WithEventsTranscriptAndFiles_RemovesEverythingAndReturnsFalseSecondTime()
    {
        var session = NewSession();
        var other = NewSession();
        foreach (var s in new[] { session, other })
        {
            await Store.CreateSessionAsync(s, CancellationToken);
            await Store.AppendEventsAsync(s.SessionId, 0, [Turn(1), Turn(2)], CancellationToken);
            await Store.AppendTranscriptAsync(s.SessionId, "t.jsonl", new byte[] { 1, 2 }, CancellationToken);
            await Store.AppendTranscriptAsync(s.SessionId, "t.jsonl", new byte[] { 3 }, CancellationToken);
            await Store.SaveWorkspaceFileAsync(s.SessionId, FileInfo("a.txt", [7], Epoch), new byte[] { 7 }, CancellationToken);
        }

        Assert.True(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));

        Assert.Null(await Store.GetSessionAsync(session.SessionId, CancellationToken));
        Assert.Equal(0, await Store.GetLastSeqAsync(session.SessionId, CancellationToken));
        Assert.Empty(await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken));
        Assert.Empty(await Store.LoadTranscriptAsync(session.SessionId, CancellationToken));
        Assert.Empty(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken));
        Assert.Null(await Store.ReadWorkspaceFileAsync(session.SessionId, "a.txt", CancellationToken));
        Assert.False(await Store.DeleteSessionAsync(session.SessionId, CancellationToken));

        // A session created again under the same id starts empty: nothing of the old one was left behind.
        await Store.CreateSessionAsync(session, CancellationToken);
        Assert.Equal(1, (await Store.AppendEventsAsync(session.SessionId, 0, [Turn(3)], CancellationToken))[0].Seq);
        Assert.Empty(await Store.LoadTranscriptAsync(session.SessionId, CancellationToken));
        Assert.Empty(await Store.ListWorkspaceFilesAsync(session.SessionId, CancellationToken));

        Assert.Equal(2, await Store.GetLastSeqAsync(other.SessionId, CancellationToken));
        Assert.Equal([1, 2, 3], Assert.Single(await Store.LoadTranscriptAsync(other.SessionId, CancellationToken)).Content);
        Assert.Equal([7], await Store.ReadWorkspaceFileAsync(other.SessionId, "a.txt", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteSession_UnknownId_ReturnsFalse()
    {
        Assert.False(await Store.DeleteSessionAsync(Guid.NewGuid().ToString(), CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task CheckWritable_OnAWorkingStore_SucceedsAndChangesNothing()
    {
        var session = await CreateSessionAsync();
        var appended = await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1)], CancellationToken);

        await Store.CheckWritableAsync(CancellationToken);

        Assert.Equal(appended.Select(Json), (await Store.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Select(Json));
        // The store goes on taking writes where it left off.
        var next = await Store.AppendEventsAsync(session.SessionId, 1, [Turn(2)], CancellationToken);
        Assert.Equal(appended[^1].Seq + 1, Assert.Single(next).Seq);
    }

    protected async Task<SessionRecord> CreateSessionAsync()
    {
        var session = NewSession();
        await Store.CreateSessionAsync(session, CancellationToken);
        return session;
    }
}
