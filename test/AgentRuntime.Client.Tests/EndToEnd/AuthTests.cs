using System.Net;
using AgentRuntime.Api;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Security;
using AgentRuntime.Sessions;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class AuthTests : ClientTest
{
    private const string LimitedTenant = "limited";

    private protected override IReadOnlyDictionary<string, string?> ServerSettings { get; } = new Dictionary<string, string?>
    {
        [$"AgentRuntime:Limits:Tenants:{LimitedTenant}:MaxSessions"] = "1",
    };

    [Fact]
    public async Task AdminKeyFile_AfterFirstStart_HoldsTheAdminKeyOnOneLineReadableByItsOwnerOnly()
    {
        var ct = TestContext.Current.CancellationToken;

        var content = await File.ReadAllTextAsync(Server.AdminKeyPath, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var me = await Client.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Matches(@"^ar_[0-9a-f]{16}\.[A-Za-z0-9_-]+\n$", content);
        Assert.Equal($"ar_{me.KeyId}.", content[..20]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Server.AdminKeyPath));
        }
    }

    [Fact]
    public async Task GetMe_AdminKey_ReturnsTheDefaultTenantWithBothScopes()
    {
        var ct = TestContext.Current.CancellationToken;

        var me = await Client.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(Tenants.Default, me.TenantId);
        Assert.Equal([ApiScopes.Admin, ApiScopes.Sessions], me.Scopes.Order());
        Assert.Matches("^[0-9a-f]{16}$", me.KeyId);
        Assert.Equal("apikey", me.AuthMode);
    }

    [Fact]
    public async Task NoCredential_RestAndHub_FailWith401_HealthStillAnswers()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        var anonymous = CreateClient(options => options.ApiKey = null);

        var health = await anonymous.GetHealthAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var me = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => anonymous.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));
        var list = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => anonymous.ListSessionsAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));
        var get = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => anonymous.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        // No REST call first: the hub's own refusal. It must end the subscription, not be retried as a dropped connection.
        var changes = Collect(anonymous.SubscribeSessionListAsync);
        var hub = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => changes.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
        var events = Collect(token => anonymous.SubscribeAsync(session.SessionId, 0, token));
        var subscribe = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => events.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));

        Assert.Equal("ok", health.Status);
        Assert.All([me, list, get, hub, subscribe], e => Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode));
        Assert.Equal("Unauthorized", me.Title);
        Assert.Contains("Bearer", me.Detail);
        Assert.Null(me.RetryAfter);
        Assert.IsType<HttpRequestException>(hub.InnerException);
    }

    [Fact]
    public async Task InvalidKey_Rest_FailsWith401()
    {
        var ct = TestContext.Current.CancellationToken;
        var wrongSecret = Server.AdminKey[..Server.AdminKey.IndexOf('.', StringComparison.Ordinal)] + ".not-the-secret";
        var wrong = CreateClient(options => options.ApiKey = wrongSecret);
        var garbage = CreateClient(options => options.ApiKey = "not-a-key");

        var wrongError = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => wrong.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));
        var garbageError = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => garbage.ListProfilesAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongError.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, garbageError.StatusCode);
    }

    [Fact]
    public async Task AccessTokenProvider_AskedForEachCallAndHubStart_ARenewedTokenIsUsedAfterTheOldOneIsRevoked()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Client.CreateKeyAsync(new CreateApiKeyBody(Scopes: [ApiScopes.Sessions], Name: "first"), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var second = await Client.CreateKeyAsync(new CreateApiKeyBody(Scopes: [ApiScopes.Sessions], Name: "second"), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var current = first.Key;
        var asked = 0;
        var rotating = CreateClient(options =>
        {
            options.ApiKey = null;
            options.AccessTokenProvider = _ =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult<string?>(Volatile.Read(ref current));
            };
        });

        var meFirst = await rotating.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(1, asked);
        var changes = Collect(rotating.SubscribeSessionListAsync);
        await WaitForListSubscriptionAsync(changes, Client, ct);
        var askedByTheHub = asked - 1;
        Volatile.Write(ref current, second.Key);
        var meSecond = await rotating.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);

        // The server closes the hub connection made with the first key; the subscription reconnects with the second.
        Assert.True(await Client.DeleteKeyAsync(first.KeyId, ct).WaitAsync(RuntimeServer.Timeout, ct));
        await WaitForListSubscriptionAsync(changes, Client, ct);
        var session = await rotating.CreateSessionAsync("default", "claude-agent-sdk", "after the rotation", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        await changes.WaitForAsync<SessionListChange>(c => c.Kind == SessionListChangeKind.Created && c.SessionId == session.SessionId);

        Assert.Equal(first.KeyId, meFirst.KeyId);
        Assert.Equal(second.KeyId, meSecond.KeyId);
        Assert.True(askedByTheHub >= 1, "the hub connection did not ask the provider for a token");
        Assert.False(changes.Completion.IsCompleted);
    }

    [Fact]
    public async Task AccessTokenProvider_ReturningNull_SendsNoCredential()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = CreateClient(options =>
        {
            options.ApiKey = null;
            options.AccessTokenProvider = _ => ValueTask.FromResult<string?>(null);
        });

        await client.GetHealthAsync(ct).WaitAsync(RuntimeServer.Timeout, ct);
        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => client.GetMeAsync(ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public void Options_BothApiKeyAndAccessTokenProvider_AreRefused()
    {
        var options = new AgentRuntimeClientOptions
        {
            BaseAddress = Server.BaseAddress,
            ApiKey = Server.AdminKey,
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(Server.AdminKey),
        };

        var error = Assert.Throws<ArgumentException>(() => new AgentRuntimeClient(options));

        Assert.Contains("AccessTokenProvider", error.Message);
    }

    [Fact]
    public async Task CreateSession_OverTheTenantsSessionLimit_Throws429WithRetryAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var kept = await Client.CreateSessionAsync("default", "claude-agent-sdk", tenantId: LimitedTenant, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);

        var error = await Assert.ThrowsAsync<AgentRuntimeApiException>(() =>
            Client.CreateSessionAsync("default", "claude-agent-sdk", tenantId: LimitedTenant, cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(LimitedTenant, kept.TenantId);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("MaxSessions", error.Detail);
        Assert.NotNull(error.RetryAfter);
        Assert.True(error.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After was {error.RetryAfter}");
        Assert.Single(await Client.ListSessionsAsync(LimitedTenant, ct).WaitAsync(RuntimeServer.Timeout, ct));
    }
}
