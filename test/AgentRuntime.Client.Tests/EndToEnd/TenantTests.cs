using System.Net;
using AgentRuntime.Api;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class TenantTests : ClientTest
{
    private const string TenantB = "b";

    [Fact]
    public async Task CreateKey_ForAnotherTenant_ReturnsTheSecretOnceAndGetMeShowsItsTenantAndScopes()
    {
        var ct = TestContext.Current.CancellationToken;

        var created = await Client.CreateKeyAsync(new CreateApiKeyBody(TenantB, [ApiScopes.Sessions], "tenant b"), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var me = await CreateClient(options => options.ApiKey = created.Key).GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var listed = await Client.ListKeysAsync(TenantB, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var all = await Client.ListKeysAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(TenantB, created.TenantId);
        Assert.Equal([ApiScopes.Sessions], created.Scopes);
        Assert.Equal("tenant b", created.Name);
        Assert.StartsWith($"ar_{created.KeyId}.", created.Key, StringComparison.Ordinal);
        Assert.Equal((TenantB, created.KeyId, "apikey"), (me.TenantId, me.KeyId, me.AuthMode));
        Assert.Equal([ApiScopes.Sessions], me.Scopes);
        var item = Assert.Single(listed);
        Assert.Equal((created.KeyId, TenantB, "tenant b", created.CreatedAt), (item.KeyId, item.TenantId, item.Name, item.CreatedAt));
        Assert.IsNotType<CreatedApiKey>(item);
        Assert.Contains(all, k => k.KeyId == created.KeyId);
        Assert.Contains(all, k => k.TenantId == Tenants.Default && k.Scopes.Contains(ApiScopes.Admin));
    }

    [Fact]
    public async Task TenantKey_ListGetAndSubscribe_SeeNoneOfTheDefaultTenantsSessions()
    {
        var ct = TestContext.Current.CancellationToken;
        var theirs = await Client.CreateSessionAsync("default", "claude-agent-sdk", "default's", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var key = await Client.CreateKeyAsync(new CreateApiKeyBody(TenantB), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var b = CreateClient(options => options.ApiKey = key.Key);
        var changes = Collect(b.SubscribeSessionListAsync);
        await WaitForListSubscriptionAsync(changes, b, ct);

        var own = await b.CreateSessionAsync("default", "claude-agent-sdk", "b's", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var forB = await Client.CreateSessionAsync("default", "claude-agent-sdk", "made for b by the admin", tenantId: TenantB, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var unseen = await Client.CreateSessionAsync("default", "claude-agent-sdk", "default's, later", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var last = await b.CreateSessionAsync("default", "claude-agent-sdk", "b's, last", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        await changes.WaitForAsync<SessionListChange>(c => c.Kind == SessionListChangeKind.Created && c.SessionId == last.SessionId);
        var bList = await b.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var bListFiltered = await b.ListSessionsAsync(Tenants.Default, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var get = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => b.GetSessionAsync(theirs.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        var events = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => b.GetEventsAsync(theirs.SessionId, 0, ct).WaitAsync(RuntimeServer.Timeout, ct));
        var delete = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => b.DeleteSessionAsync(theirs.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        var subscription = Collect(token => b.SubscribeAsync(theirs.SessionId, 0, token));
        var subscribe = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => subscription.Completion.WaitAsync(RuntimeServer.Timeout, ct));
        // The client reads the session over REST before it subscribes; the hub must refuse on its own too.
        await using var hub = await ConnectHubAsync(key.Key, ct);
        var hubError = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in hub.StreamAsync<SessionEvent>("SubscribeSession", theirs.SessionId, 0L, ct).WithCancellation(ct))
            {
            }
        }).WaitAsync(RuntimeServer.Timeout, ct);
        var forbidden = await Assert.ThrowsAsync<AgentRuntimeApiException>(() =>
            b.CreateSessionAsync("default", "claude-agent-sdk", tenantId: Tenants.Default, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));
        var keys = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => b.ListKeysAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(TenantB, own.TenantId);
        Assert.Equal(TenantB, forB.TenantId);
        Assert.Equal(new[] { forB.SessionId, last.SessionId, own.SessionId }.Order(), bList.Select(s => s.SessionId).Order());
        Assert.All(bList, s => Assert.Equal(TenantB, s.TenantId));
        Assert.Equal(bList.Select(s => s.SessionId).Order(), bListFiltered.Select(s => s.SessionId).Order());
        Assert.All([get, events, delete, subscribe], e => Assert.Equal(HttpStatusCode.NotFound, e.StatusCode));
        Assert.Contains(theirs.SessionId, hubError.Message);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.All(changes.Items, c => Assert.Equal(TenantB, c.TenantId));
        Assert.DoesNotContain(changes.Items, c => c.SessionId == theirs.SessionId || c.SessionId == unseen.SessionId);
        Assert.Contains(changes.Items, c => c.SessionId == forB.SessionId);
        await Client.GetSessionAsync(theirs.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
    }

    [Fact]
    public async Task AdminKey_ListSessions_SeesEveryTenantOrTheOneItNames()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await Client.CreateKeyAsync(new CreateApiKeyBody(TenantB), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var b = CreateClient(options => options.ApiKey = key.Key);
        var ours = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var theirs = await b.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);

        var all = await Client.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var onlyB = await Client.ListSessionsAsync(TenantB, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var onlyDefault = await Client.ListSessionsAsync(Tenants.Default, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var detail = await Client.GetSessionAsync(theirs.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal([(theirs.SessionId, TenantB), (ours.SessionId, Tenants.Default)], all.Select(s => (s.SessionId, s.TenantId)).OrderBy(s => s.TenantId, StringComparer.Ordinal));
        Assert.Equal(theirs.SessionId, Assert.Single(onlyB).SessionId);
        Assert.Equal(ours.SessionId, Assert.Single(onlyDefault).SessionId);
        Assert.Equal(theirs.SessionId, detail.SessionId);
    }

    [Fact]
    public async Task DeleteKey_WhileItsStreamsAreOpen_FailsAtOnceAndEndsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await Client.CreateKeyAsync(new CreateApiKeyBody(TenantB, Name: "revoked"), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var b = CreateClient(options => options.ApiKey = key.Key);
        var session = await b.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var changes = Collect(b.SubscribeSessionListAsync);
        await WaitForListSubscriptionAsync(changes, b, ct);
        var events = Collect(token => b.SubscribeAsync(session.SessionId, 0, token));
        Model.Enqueue(Reply.Text("Done."));
        var turnId = await b.SendMessageAsync(session.SessionId, "Go", ct).WaitAsync(RuntimeServer.Timeout, ct);
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId);

        var deleted = await Client.DeleteKeyAsync(key.KeyId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var me = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => b.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));
        // Promptly: the server closes the connection, and the client's one reconnect is refused. Retrying as after a
        // dropped connection would take far longer (the default policy keeps at it for about 90 seconds).
        var eventsError = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => events.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
        var changesError = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => changes.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
        var deletedAgain = await Client.DeleteKeyAsync(key.KeyId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var keys = await Client.ListKeysAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.True(deleted);
        Assert.All([me, eventsError, changesError], e => Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode));
        Assert.False(deletedAgain);
        Assert.DoesNotContain(keys, k => k.KeyId == key.KeyId);
        await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
    }

    private async Task<HubConnection> ConnectHubAsync(string key, CancellationToken ct)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/sessions"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .AddJsonProtocol(json => json.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default))
            .Build();
        await connection.StartAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        return connection;
    }
}
