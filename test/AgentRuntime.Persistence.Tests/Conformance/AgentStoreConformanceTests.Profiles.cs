using AgentRuntime.Profiles;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

public abstract partial class AgentStoreConformanceTests
{
    [Fact(Timeout = Timeout)]
    public async Task SaveProfile_ChangedTwice_NumbersVersionsAndKeepsEach()
    {
        var first = Profile("reviewer", "Reviewer");
        var second = first with { SystemPrompt = "Review strictly." };
        var third = second with { Name = "Strict reviewer" };

        Assert.Equal(1, await Store.SaveProfileAsync(first, CancellationToken));
        Assert.Equal(2, await Store.SaveProfileAsync(second, CancellationToken));
        Assert.Equal(3, await Store.SaveProfileAsync(third, CancellationToken));

        Assert.Equal(Json(third), Json(await Store.GetProfileAsync("reviewer", CancellationToken)));
        var latest = await Store.GetProfileVersionAsync("reviewer", null, CancellationToken);
        Assert.Equal((3, Json(third)), (latest!.Version, Json(latest.Profile)));
        Assert.Equal(Json(first), Json((await Store.GetProfileVersionAsync("reviewer", 1, CancellationToken))!.Profile));
        Assert.Equal(Json(second), Json((await Store.GetProfileVersionAsync("reviewer", 2, CancellationToken))!.Profile));
        Assert.Null(await Store.GetProfileVersionAsync("reviewer", 4, CancellationToken));
        Assert.Null(await Store.GetProfileVersionAsync("reviewer", 0, CancellationToken));
        Assert.Null(await Store.GetProfileVersionAsync("nobody", null, CancellationToken));
        var versions = await Store.ListProfileVersionsAsync("reviewer", CancellationToken);
        Assert.Equal([1, 2, 3], versions.Select(v => v.Version));
        Assert.Equal(latest.CreatedAt, versions[^1].CreatedAt);
        Assert.True(versions[0].CreatedAt <= versions[2].CreatedAt);
        Assert.Equal(["reviewer"], (await Store.ListProfilesAsync(CancellationToken)).Select(p => p.Id));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveProfile_IdenticalToLatest_ReturnsLatestVersionWithoutAddingOne()
    {
        var profile = Profile("reviewer", "Reviewer");
        await Store.SaveProfileAsync(profile, CancellationToken);
        await Store.SaveProfileAsync(profile with { Name = "Changed" }, CancellationToken);

        Assert.Equal(2, await Store.SaveProfileAsync(profile with { Name = "Changed" }, CancellationToken));
        // Identical to an older version is still a change from the latest.
        Assert.Equal(3, await Store.SaveProfileAsync(profile, CancellationToken));

        Assert.Equal([1, 2, 3], (await Store.ListProfileVersionsAsync("reviewer", CancellationToken)).Select(v => v.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task DeleteProfile_Existing_GoneFromListsAndLatestButNumberedVersionsStay()
    {
        var profile = Profile("reviewer", "Reviewer");
        await Store.SaveProfileAsync(profile, CancellationToken);
        await Store.SaveProfileAsync(Profile("other", "Other"), CancellationToken);

        Assert.True(await Store.DeleteProfileAsync("reviewer", CancellationToken));

        Assert.False(await Store.DeleteProfileAsync("reviewer", CancellationToken));
        Assert.False(await Store.DeleteProfileAsync("nobody", CancellationToken));
        Assert.Null(await Store.GetProfileAsync("reviewer", CancellationToken));
        Assert.Null(await Store.GetProfileVersionAsync("reviewer", null, CancellationToken));
        Assert.Empty(await Store.ListProfileVersionsAsync("reviewer", CancellationToken));
        Assert.Equal(["other"], (await Store.ListProfilesAsync(CancellationToken)).Select(p => p.Id));
        Assert.Equal(Json(profile), Json((await Store.GetProfileVersionAsync("reviewer", 1, CancellationToken))!.Profile));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveProfile_AfterDelete_ContinuesTheNumbering()
    {
        var profile = Profile("reviewer", "Reviewer");
        await Store.SaveProfileAsync(profile, CancellationToken);
        await Store.DeleteProfileAsync("reviewer", CancellationToken);

        // The same content again is a new version: after the delete there is no latest to be identical to.
        Assert.Equal(2, await Store.SaveProfileAsync(profile, CancellationToken));

        Assert.Equal(Json(profile), Json(await Store.GetProfileAsync("reviewer", CancellationToken)));
        Assert.Equal([1, 2], (await Store.ListProfileVersionsAsync("reviewer", CancellationToken)).Select(v => v.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveProfile_ManyAtOnce_EachChangeGetsItsOwnNumber()
    {
        var saves = Enumerable.Range(1, 8).Select(i => Task.Run(() => Store.SaveProfileAsync(Profile("busy", $"Name {i}"), CancellationToken)));

        var numbers = await Task.WhenAll(saves);

        Assert.Equal(Enumerable.Range(1, 8), numbers.Order());
        Assert.Equal(Enumerable.Range(1, 8), (await Store.ListProfileVersionsAsync("busy", CancellationToken)).Select(v => v.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateProfile_ManyOfOneIdAtOnce_OneSavesTheOthersAreRefused()
    {
        var creates = Enumerable.Range(1, 8).Select(i => Task.Run(() => Store.CreateProfileAsync(Profile("contested", $"Name {i}"), CancellationToken)));

        var results = await Task.WhenAll(creates);

        Assert.Equal(1, Assert.Single(results, r => r is not null));
        Assert.Equal([1], (await Store.ListProfileVersionsAsync("contested", CancellationToken)).Select(v => v.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task CreateProfile_ExistingIdRefused_DeletedIdCreatedAgainWithTheNextNumber()
    {
        var profile = Profile("reviewer", "Reviewer");
        Assert.Equal(1, await Store.CreateProfileAsync(profile, CancellationToken));

        // Even the identical profile: a create is not a save.
        Assert.Null(await Store.CreateProfileAsync(profile, CancellationToken));
        await Store.DeleteProfileAsync("reviewer", CancellationToken);

        Assert.Equal(2, await Store.CreateProfileAsync(profile with { Name = "Again" }, CancellationToken));
        Assert.Equal("Again", (await Store.GetProfileAsync("reviewer", CancellationToken))!.Name);
    }

    [Fact(Timeout = Timeout)]
    public async Task Session_WithProfileVersion_KeepsItInRecordAndSummary()
    {
        var pinned = NewSession() with { AgentProfileVersion = 3 };
        var latest = NewSession();
        await Store.CreateSessionAsync(pinned, CancellationToken);
        await Store.CreateSessionAsync(latest, CancellationToken);

        Assert.Equal(3, (await Store.GetSessionAsync(pinned.SessionId, CancellationToken))!.AgentProfileVersion);
        Assert.Null((await Store.GetSessionAsync(latest.SessionId, CancellationToken))!.AgentProfileVersion);
        var summaries = await Store.ListSessionSummariesAsync(null, null, null, CancellationToken);
        Assert.Equal(3, summaries.Single(s => s.SessionId == pinned.SessionId).AgentProfileVersion);

        await Store.UpdateSessionAsync(pinned with { AgentProfileVersion = 4 }, CancellationToken);

        Assert.Equal(4, (await Store.GetSessionAsync(pinned.SessionId, CancellationToken))!.AgentProfileVersion);
    }

    [Fact(Timeout = Timeout)]
    public async Task ProfileVersions_InvalidId_Throw()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetProfileVersionAsync("", 1, CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListProfileVersionsAsync("", CancellationToken));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteProfileAsync("", CancellationToken));
    }
}
