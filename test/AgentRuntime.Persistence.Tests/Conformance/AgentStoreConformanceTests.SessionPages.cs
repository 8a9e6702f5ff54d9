using AgentRuntime.Sessions;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task ListSessionSummaries_PagesOfEverySize_ConcatenateToTheWholeList()
    {
        // Three tenants, last activities in several offsets, and ties: sessions last active at one instant.
        var sessions = new List<SessionRecord>();
        for (var i = 0; i < 13; i++)
        {
            var lastActivity = Epoch.AddMinutes(i % 5).ToOffset(TimeSpan.FromHours(i % 3 - 1));
            sessions.Add(NewSession(lastActivity, tenantId: (i % 3) switch { 0 => "acme", 1 => "beta", _ => null }));
        }

        foreach (var session in sessions)
        {
            await Store.CreateSessionAsync(session, CancellationToken);
        }

        foreach (var tenantId in new[] { null, "acme", "beta", Security.Tenants.Default, "nobody" })
        {
            var whole = (await Store.ListSessionsAsync(tenantId, CancellationToken)).Select(r => Json(SessionSummary.From(r))).ToList();
            Assert.Equal(whole, (await Store.ListSessionSummariesAsync(tenantId, after: null, limit: null, CancellationToken)).Select(Json));
            foreach (var limit in new[] { 1, 2, 3, 5, 13, 100 })
            {
                Assert.Equal(whole, (await ReadPagesAsync(tenantId, limit)).Select(Json));
            }
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessionSummaries_TiesInLastActivity_BrokenByIdOrdinal()
    {
        // One instant in three offsets. "B" sorts before "a" ordinally, after it in most cultures.
        var ids = new[] { "c", "a", "B", "e", "d", "a-2" };
        for (var i = 0; i < ids.Length; i++)
        {
            await Store.CreateSessionAsync(NewSession(Epoch.ToOffset(TimeSpan.FromHours(i % 3)), sessionId: ids[i]), CancellationToken);
        }

        await Store.CreateSessionAsync(NewSession(Epoch.AddTicks(1), sessionId: "z-newer"), CancellationToken);
        await Store.CreateSessionAsync(NewSession(Epoch.AddTicks(-1), sessionId: "0-older"), CancellationToken);

        string[] expected = ["z-newer", "B", "a", "a-2", "c", "d", "e", "0-older"];
        Assert.Equal(expected, (await Store.ListSessionsAsync(null, CancellationToken)).Select(s => s.SessionId));
        Assert.Equal(expected, (await ReadPagesAsync(null, 2)).Select(s => s.SessionId));
        var afterA = await Store.ListSessionSummariesAsync(null, new SessionListPosition(Epoch.UtcTicks, "a"), 3, CancellationToken);
        Assert.Equal(["a-2", "c", "d"], afterA.Select(s => s.SessionId));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessionSummaries_SessionUpdatedBetweenPages_MovesWithoutDuplicatingTheOthers()
    {
        var s = new SessionRecord[8];
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = NewSession(Epoch.AddMinutes(i), tenantId: "acme");
            await Store.CreateSessionAsync(s[i], CancellationToken);
        }

        var first = await Store.ListSessionSummariesAsync("acme", after: null, limit: 3, CancellationToken);
        Assert.Equal([s[7].SessionId, s[6].SessionId, s[5].SessionId], first.Select(x => x.SessionId));

        // Between the pages: one not yet listed becomes the most recent, one already listed is active again, one not yet
        // listed goes, and a new one arrives with an activity the walk has still to reach.
        await Store.UpdateSessionAsync(s[2] with { LastActivity = Epoch.AddHours(1) }, CancellationToken);
        await Store.UpdateSessionAsync(s[6] with { LastActivity = Epoch.AddHours(2) }, CancellationToken);
        Assert.True(await Store.DeleteSessionAsync(s[3].SessionId, CancellationToken));
        var late = NewSession(Epoch.AddMinutes(1).AddSeconds(30), tenantId: "acme");
        await Store.CreateSessionAsync(late, CancellationToken);

        var rest = new List<SessionSummary>();
        var after = SessionListPosition.Of(first[^1]);
        while (await Store.ListSessionSummariesAsync("acme", after, 2, CancellationToken) is { Count: > 0 } page)
        {
            rest.AddRange(page);
            after = SessionListPosition.Of(page[^1]);
        }

        // The moved sessions are now ahead of the place the walk started from, so it does not meet them again; every
        // session that did not change comes exactly once, in order.
        Assert.Equal([s[4].SessionId, late.SessionId, s[1].SessionId, s[0].SessionId], rest.Select(x => x.SessionId));
        var seen = first.Concat(rest).Select(x => x.SessionId).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal([s[6].SessionId, s[2].SessionId], (await Store.ListSessionSummariesAsync("acme", after: null, limit: 2, CancellationToken)).Select(x => x.SessionId));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessionSummaries_AfterTheLastSession_IsEmpty()
    {
        var only = NewSession();
        await Store.CreateSessionAsync(only, CancellationToken);

        var summary = Assert.Single(await Store.ListSessionSummariesAsync(null, after: null, limit: 1, CancellationToken));

        Assert.Equal(Json(SessionSummary.From(only)), Json(summary));
        Assert.Empty(await Store.ListSessionSummariesAsync(null, SessionListPosition.Of(summary), 1, CancellationToken));
        Assert.Empty(await Store.ListSessionSummariesAsync(null, SessionListPosition.Of(summary), limit: null, CancellationToken));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task ListSessionSummaries_LimitBelowOne_Throws(int limit)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListSessionSummariesAsync(null, after: null, limit, CancellationToken));
    }

    /// <summary>Walks the list a page at a time, each page after the last session of the one before.</summary>
    private async Task<List<SessionSummary>> ReadPagesAsync(string? tenantId, int limit)
    {
        var all = new List<SessionSummary>();
        SessionListPosition? after = null;
        while (true)
        {
            var page = await Store.ListSessionSummariesAsync(tenantId, after, limit, CancellationToken);
            Assert.True(page.Count <= limit);
            all.AddRange(page);
            if (page.Count < limit)
            {
                return all;
            }

            after = SessionListPosition.Of(page[^1]);
        }
    }
}
