using AgentRuntime.Security;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task CreateSession_WithTenant_GetAndListReturnIt()
    {
        var session = NewSession(tenantId: "acme");

        await Store.CreateSessionAsync(session, CancellationToken);

        Assert.Equal("acme", (await Store.GetSessionAsync(session.SessionId, CancellationToken))!.TenantId);
        Assert.Equal(Json(session), Json(await Store.GetSessionAsync(session.SessionId, CancellationToken)));
        Assert.Equal(Json(session), Json(Assert.Single(await Store.ListSessionsAsync("acme", CancellationToken))));
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateSession_WithoutTenant_BelongsToDefaultTenant()
    {
        var session = NewSession();

        await Store.CreateSessionAsync(session, CancellationToken);

        Assert.Equal(Tenants.Default, (await Store.GetSessionAsync(session.SessionId, CancellationToken))!.TenantId);
        Assert.Equal(session.SessionId, Assert.Single(await Store.ListSessionsAsync(Tenants.Default, CancellationToken)).SessionId);
        Assert.Equal(1, await Store.CountSessionsAsync(Tenants.Default, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListSessions_ByTenant_ThatTenantsOnlyMostRecentlyActiveFirst()
    {
        // "Acme" and "acme" are two tenants: a store comparing tenant ids without case mixes them.
        var a1 = NewSession(Epoch.AddMinutes(10), tenantId: "acme");
        var b1 = NewSession(Epoch.AddMinutes(11).ToOffset(TimeSpan.FromHours(-7)), tenantId: "Acme");
        var a2 = NewSession(Epoch.AddMinutes(12), tenantId: "acme");
        var d1 = NewSession(Epoch.AddMinutes(9));
        foreach (var session in new[] { a1, b1, a2, d1 })
        {
            await Store.CreateSessionAsync(session, CancellationToken);
        }

        Assert.Equal([a2.SessionId, a1.SessionId], (await Store.ListSessionsAsync("acme", CancellationToken)).Select(s => s.SessionId));
        Assert.Equal([b1.SessionId], (await Store.ListSessionsAsync("Acme", CancellationToken)).Select(s => s.SessionId));
        Assert.Equal([d1.SessionId], (await Store.ListSessionsAsync(Tenants.Default, CancellationToken)).Select(s => s.SessionId));
        Assert.Empty(await Store.ListSessionsAsync("other", CancellationToken));
        var all = await Store.ListSessionsAsync(null, CancellationToken);
        Assert.Equal([a2.SessionId, b1.SessionId, a1.SessionId, d1.SessionId], all.Select(s => s.SessionId));
        Assert.Equal(["acme", "Acme", "acme", Tenants.Default], all.Select(s => s.TenantId));
        Assert.Equal(Json(b1), Json(all[1]));
    }

    [Fact(Timeout = Timeout)]
    public async Task CountSessions_SeveralTenants_CountsEachAndFollowsCreateUpdateAndDelete()
    {
        var a1 = NewSession(tenantId: "acme");
        var a2 = NewSession(tenantId: "acme");
        var b1 = NewSession(tenantId: "beta");
        foreach (var session in new[] { a1, a2, b1, NewSession() })
        {
            await Store.CreateSessionAsync(session, CancellationToken);
        }

        Assert.Equal(2, await Store.CountSessionsAsync("acme", CancellationToken));
        Assert.Equal(1, await Store.CountSessionsAsync("beta", CancellationToken));
        Assert.Equal(1, await Store.CountSessionsAsync(Tenants.Default, CancellationToken));
        Assert.Equal(0, await Store.CountSessionsAsync("other", CancellationToken));

        Assert.True(await Store.DeleteSessionAsync(a1.SessionId, CancellationToken));
        await Store.UpdateSessionAsync(b1 with { TenantId = "acme" }, CancellationToken);

        Assert.Equal(2, await Store.CountSessionsAsync("acme", CancellationToken));
        Assert.Equal(0, await Store.CountSessionsAsync("beta", CancellationToken));
        Assert.Equal("acme", (await Store.GetSessionAsync(b1.SessionId, CancellationToken))!.TenantId);
        Assert.Equal(new[] { a2.SessionId, b1.SessionId }.Order(), (await Store.ListSessionsAsync("acme", CancellationToken)).Select(s => s.SessionId).Order());
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateApiKey_NewKey_GetReturnsEveryField()
    {
        var key = ApiKey("0123456789abcdef", "acme");
        var unnamed = ApiKey("fedcba9876543210", "acme", Epoch.AddDays(1).ToOffset(TimeSpan.FromHours(-9.5))) with
        {
            Name = null,
            Scopes = [ApiScopes.Sessions],
        };

        await Store.CreateApiKeyAsync(key, CancellationToken);
        await Store.CreateApiKeyAsync(unnamed, CancellationToken);

        Assert.Equal(Text(key), Text(await Store.GetApiKeyAsync(key.KeyId, CancellationToken)));
        Assert.Equal(Text(unnamed), Text(await Store.GetApiKeyAsync(unnamed.KeyId, CancellationToken)));
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateApiKey_ExistingId_ThrowsAndKeepsOriginal()
    {
        var key = ApiKey("0123456789abcdef", "acme");
        await Store.CreateApiKeyAsync(key, CancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => Store.CreateApiKeyAsync(ApiKey(key.KeyId, "beta") with { SecretHash = new string('0', 64) }, CancellationToken));

        Assert.Equal(Text(key), Text(await Store.GetApiKeyAsync(key.KeyId, CancellationToken)));
        Assert.Empty(await Store.ListApiKeysAsync("beta", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task GetApiKey_UnknownId_ReturnsNull()
    {
        await Store.CreateApiKeyAsync(ApiKey("0123456789abcdef", "acme"), CancellationToken);

        Assert.Null(await Store.GetApiKeyAsync("0123456789abcdee", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListApiKeys_ByTenantAndAll_OldestInstantFirstThenKeyId()
    {
        // Local clock times sort differently from the instants, and the key ids differently from both: a store ordering
        // by the text of the timestamps or by id alone fails. d and c were made at the same instant, so d's id goes first.
        var a = ApiKey("00000000000000ff", "acme", Epoch);                                                  // 23:36 UTC the day before
        var b = ApiKey("0000000000000002", "beta", Epoch.AddHours(1).ToOffset(TimeSpan.FromHours(-7)));    // 00:36 UTC
        var c = ApiKey("00000000000000c0", "acme", Epoch.AddHours(2).ToOffset(TimeSpan.Zero));              // 01:36 UTC
        var d = ApiKey("00000000000000a0", "acme", Epoch.AddHours(2).ToOffset(TimeSpan.FromHours(3)));      // 01:36 UTC
        foreach (var key in new[] { c, b, d, a })
        {
            await Store.CreateApiKeyAsync(key, CancellationToken);
        }

        Assert.Equal(new[] { a, d, c }.Select(Text), (await Store.ListApiKeysAsync("acme", CancellationToken)).Select(Text));
        Assert.Equal(new[] { b }.Select(Text), (await Store.ListApiKeysAsync("beta", CancellationToken)).Select(Text));
        Assert.Equal(new[] { a, b, d, c }.Select(Text), (await Store.ListApiKeysAsync(null, CancellationToken)).Select(Text));
        Assert.Empty(await Store.ListApiKeysAsync("Acme", CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task ListApiKeys_EmptyStore_ReturnsEmpty()
    {
        Assert.Empty(await Store.ListApiKeysAsync(null, CancellationToken));
        Assert.Empty(await Store.ListApiKeysAsync(Tenants.Default, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteApiKey_ExistingKey_RemovesItAndReturnsFalseSecondTime()
    {
        var key = ApiKey("0123456789abcdef", "acme");
        var other = ApiKey("fedcba9876543210", "acme", Epoch.AddSeconds(1));
        await Store.CreateApiKeyAsync(key, CancellationToken);
        await Store.CreateApiKeyAsync(other, CancellationToken);

        Assert.True(await Store.DeleteApiKeyAsync(key.KeyId, CancellationToken));

        Assert.Null(await Store.GetApiKeyAsync(key.KeyId, CancellationToken));
        Assert.Equal([other.KeyId], (await Store.ListApiKeysAsync("acme", CancellationToken)).Select(k => k.KeyId));
        Assert.Equal([other.KeyId], (await Store.ListApiKeysAsync(null, CancellationToken)).Select(k => k.KeyId));
        Assert.False(await Store.DeleteApiKeyAsync(key.KeyId, CancellationToken));
        Assert.Equal(Text(other), Text(await Store.GetApiKeyAsync(other.KeyId, CancellationToken)));

        // The id is free again: a key made under it is a new key.
        var again = ApiKey(key.KeyId, "beta", Epoch.AddSeconds(2));
        await Store.CreateApiKeyAsync(again, CancellationToken);
        Assert.Equal(Text(again), Text(await Store.GetApiKeyAsync(key.KeyId, CancellationToken)));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteApiKey_UnknownId_ReturnsFalse()
    {
        Assert.False(await Store.DeleteApiKeyAsync("0123456789abcdef", CancellationToken));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(null)]
    [InlineData("")]
    public async Task KeyAndTenantIdArguments_NullOrEmpty_ThrowArgumentException(string? value)
    {
        var id = value!;

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CreateApiKeyAsync(ApiKey("0123456789abcdef", "acme") with { KeyId = id }, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CreateApiKeyAsync(null!, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetApiKeyAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteApiKeyAsync(id, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CountSessionsAsync(id, CancellationToken));
        Assert.Empty(await Store.ListApiKeysAsync(null, CancellationToken));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveProfile_WithAndWithoutTenant_GetAndListKeepTheTenant()
    {
        var tenantProfile = Profile("acme-reviewer", "Reviewer") with { TenantId = "acme" };
        var global = Profile("default", "Default");

        await Store.SaveProfileAsync(tenantProfile, CancellationToken);
        await Store.SaveProfileAsync(global, CancellationToken);

        Assert.Equal("acme", (await Store.GetProfileAsync(tenantProfile.Id, CancellationToken))!.TenantId);
        Assert.Null((await Store.GetProfileAsync(global.Id, CancellationToken))!.TenantId);
        Assert.Equal(new[] { tenantProfile, global }.Select(Json), (await Store.ListProfilesAsync(CancellationToken)).Select(Json));

        // Saving again replaces the tenant too: a profile can become global.
        await Store.SaveProfileAsync(tenantProfile with { TenantId = null }, CancellationToken);

        Assert.Null((await Store.GetProfileAsync(tenantProfile.Id, CancellationToken))!.TenantId);
    }
}
