using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sessions;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary><c>GET /api/sessions?limit=&amp;cursor=</c>: pages of the session list, newest first, with a cursor that names a place.</summary>
public sealed class SessionListPagingTests : ServerTest
{
    [Fact]
    public async Task Pages_OfEverySize_ConcatenateToTheWholeList()
    {
        var created = await CreateSessionsAsync(7);

        var whole = await GetListAsync(Server.Http, "/api/sessions");

        Assert.Null(whole.NextCursor);
        Assert.Equal(created.Select(s => s.SessionId).Reverse(), whole.Sessions.Select(s => s.SessionId));
        foreach (var limit in new[] { 1, 2, 3, 7, 1000 })
        {
            var pages = await ReadPagesAsync(Server.Http, limit);
            Assert.All(pages.SkipLast(1), page => Assert.Equal(limit, page.Sessions.Count));
            Assert.Null(pages[^1].NextCursor);
            Assert.Equal(Json(whole.Sessions), Json([.. pages.SelectMany(p => p.Sessions)]));
        }
    }

    [Fact]
    public async Task Pages_ASessionUpdatedBetweenPages_MovesWithoutRepeatingOrSkippingTheOthers()
    {
        var s = await CreateSessionsAsync(6);
        var first = await GetListAsync(Server.Http, "/api/sessions?limit=2");
        Assert.Equal([s[5].SessionId, s[4].SessionId], first.Sessions.Select(x => x.SessionId));

        // A budget change is activity: the session not yet listed moves to the top, past the place the walk goes on from.
        var patched = await Server.Http.PatchAsJsonAsync($"/api/sessions/{s[1].SessionId}", new { budget = new { maxTokens = 1000 } }, TestContext.Current.CancellationToken);
        patched.EnsureSuccessStatusCode();
        var second = await GetListAsync(Server.Http, $"/api/sessions?limit=2&cursor={first.NextCursor}");
        var third = await GetListAsync(Server.Http, $"/api/sessions?limit=2&cursor={second.NextCursor}");

        Assert.Equal([s[3].SessionId, s[2].SessionId], second.Sessions.Select(x => x.SessionId));
        Assert.Equal([s[0].SessionId], third.Sessions.Select(x => x.SessionId));
        Assert.Null(third.NextCursor);
        Assert.Equal(s[1].SessionId, (await GetListAsync(Server.Http, "/api/sessions?limit=1")).Sessions.Single().SessionId);
    }

    [Fact]
    public async Task Cursor_WithoutLimit_ListsEverythingAfterIt()
    {
        var s = await CreateSessionsAsync(4);
        var first = await GetListAsync(Server.Http, "/api/sessions?limit=1");

        var rest = await GetListAsync(Server.Http, $"/api/sessions?cursor={first.NextCursor}");

        Assert.Equal([s[2].SessionId, s[1].SessionId, s[0].SessionId], rest.Sessions.Select(x => x.SessionId));
        Assert.Null(rest.NextCursor);
    }

    [Fact]
    public async Task Cursor_OfADeletedSession_GoesOnFromItsPlace()
    {
        var s = await CreateSessionsAsync(4);
        var first = await GetListAsync(Server.Http, "/api/sessions?limit=2");
        (await Server.Http.DeleteAsync($"/api/sessions/{s[2].SessionId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var rest = await GetListAsync(Server.Http, $"/api/sessions?limit=2&cursor={first.NextCursor}");

        Assert.Equal([s[1].SessionId, s[0].SessionId], rest.Sessions.Select(x => x.SessionId));
    }

    [Fact]
    public async Task Answer_NamesNextCursorEvenWhenNull()
    {
        await CreateSessionsAsync(2);

        var whole = await Server.Http.GetFromJsonAsync<JsonObject>("/api/sessions", TestContext.Current.CancellationToken);
        var page = await Server.Http.GetFromJsonAsync<JsonObject>("/api/sessions?limit=1", TestContext.Current.CancellationToken);

        Assert.True(whole!.ContainsKey("nextCursor"));
        Assert.Null(whole["nextCursor"]);
        Assert.Equal(JsonValueKind.String, page!["nextCursor"]!.GetValueKind());
    }

    [Fact]
    public async Task TenantKey_Pages_OnlyItsOwnTenantsSessions_AndAnAdminPagesTheOneItNames()
    {
        var key = await Server.CreateKeyAsync("tenant-a");
        var tenant = Server.CreateHttpClient(key.Key);
        var own = new List<SessionListItem>();
        for (var i = 0; i < 5; i++)
        {
            own.Add(await Server.CreateSessionAsync());
            own.Add(await CreateSessionAsync(tenant));
        }

        var ownIds = own.Where(s => s.TenantId == "tenant-a").Select(s => s.SessionId).Reverse().ToList();
        Assert.Equal(5, ownIds.Count);

        // The tenant's filter is its own, whatever it asks for; an admin's filter counts.
        Assert.Equal(ownIds, (await ReadPagesAsync(tenant, 2, "&tenantId=default")).SelectMany(p => p.Sessions).Select(x => x.SessionId));
        Assert.Equal(ownIds, (await ReadPagesAsync(Server.Http, 2, "&tenantId=tenant-a")).SelectMany(p => p.Sessions).Select(x => x.SessionId));
        Assert.Equal(10, (await ReadPagesAsync(Server.Http, 3)).Sum(p => p.Sessions.Count));
    }

    [Theory]
    [InlineData("limit=0", "'limit'")]
    [InlineData("limit=-1", "'limit'")]
    [InlineData("limit=1001", "'limit'")]
    [InlineData("limit=ten", "'limit'")]
    [InlineData("limit=", "'limit'")]
    [InlineData("limit=5&cursor=not*base64url", "'cursor'")]
    [InlineData("limit=5&cursor=AQ", "'cursor'")]
    [InlineData("limit=5&cursor=AgAAAAAAAAAAYQ", "'cursor'")]
    [InlineData("cursor=", "'cursor'")]
    public async Task BadLimitOrCursor_Returns400NamingIt(string query, string named)
    {
        await CreateSessionsAsync(1);

        var response = await Server.Http.GetAsync($"/api/sessions?{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Contains(named, (string?)problem!["detail"], StringComparison.Ordinal);
    }

    /// <summary>Creates sessions one after another, so each is last active after the one before.</summary>
    private async Task<List<SessionListItem>> CreateSessionsAsync(int count)
    {
        var sessions = new List<SessionListItem>();
        for (var i = 0; i < count; i++)
        {
            sessions.Add(await Server.CreateSessionAsync());
        }

        return sessions;
    }

    private static async Task<SessionListItem> CreateSessionAsync(HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk" }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem, TestContext.Current.CancellationToken))!;
    }

    private static async Task<List<SessionList>> ReadPagesAsync(HttpClient http, int limit, string query = "")
    {
        var pages = new List<SessionList>();
        string? cursor = null;
        do
        {
            var page = await GetListAsync(http, $"/api/sessions?limit={limit}{query}" + (cursor is null ? "" : $"&cursor={cursor}"));
            pages.Add(page);
            cursor = page.NextCursor;
            Assert.True(pages.Count <= 100, "the pages never end");
        }
        while (cursor is not null);

        return pages;
    }

    private static async Task<SessionList> GetListAsync(HttpClient http, string path) =>
        (await http.GetFromJsonAsync(path, AgentRuntimeJsonContext.Default.SessionList, TestContext.Current.CancellationToken).WaitAsync(RunningServer.Timeout))!;

    private static string Json(IReadOnlyList<SessionListItem> items) =>
        JsonSerializer.Serialize(new SessionList(items), AgentRuntimeJsonContext.Default.SessionList);
}
