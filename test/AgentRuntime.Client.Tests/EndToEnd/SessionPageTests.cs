using System.Net;
using AgentRuntime.Api;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Sessions;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class SessionPageTests : ClientTest
{
    [Fact]
    public async Task ListSessionsPage_FollowingNextCursor_ReadsTheWholeListOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = new List<SessionListItem>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await Client.CreateSessionAsync("default", "claude-agent-sdk", $"session {i}", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));
        }

        var first = await Client.ListSessionsPageAsync(2, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var second = await Client.ListSessionsPageAsync(2, first.NextCursor, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var third = await Client.ListSessionsPageAsync(2, second.NextCursor, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var whole = await Client.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(created.Select(s => s.SessionId).Reverse(), first.Sessions.Concat(second.Sessions).Concat(third.Sessions).Select(s => s.SessionId));
        Assert.Equal(whole.Select(s => s.SessionId), first.Sessions.Concat(second.Sessions).Concat(third.Sessions).Select(s => s.SessionId));
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
    }

    [Fact]
    public async Task EnumerateSessions_SeveralPages_YieldsEverySessionNewestFirst_AndFiltersByTenantForAnAdmin()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = new List<SessionListItem>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await Client.CreateSessionAsync("default", "claude-agent-sdk", tenantId: i % 2 == 0 ? "even" : null, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));
        }

        var all = await Client.EnumerateSessionsAsync(pageSize: 3, cancellationToken: ct).ToListAsync(ct).AsTask().WaitAsync(RuntimeServer.Timeout, ct);
        var even = await Client.EnumerateSessionsAsync(pageSize: 1, tenantId: "even", cancellationToken: ct).ToListAsync(ct).AsTask().WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(created.Select(s => s.SessionId).Reverse(), all.Select(s => s.SessionId));
        Assert.Equal(created.Where(s => s.TenantId == "even").Select(s => s.SessionId).Reverse(), even.Select(s => s.SessionId));
    }

    [Fact]
    public async Task ListSessionsPage_BadLimitOrCursor_ThrowsBadRequestNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;

        var limit = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.ListSessionsPageAsync(1001, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));
        var cursor = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.ListSessionsPageAsync(10, "no cursor", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));
        var enumerate = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.EnumerateSessionsAsync(0, cancellationToken: ct).ToListAsync(ct).AsTask().WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (limit.StatusCode, cursor.StatusCode, enumerate.StatusCode));
        Assert.Contains("'limit'", limit.Detail, StringComparison.Ordinal);
        Assert.Contains("'cursor'", cursor.Detail, StringComparison.Ordinal);
        Assert.Contains("'limit'", enumerate.Detail, StringComparison.Ordinal);
    }
}
