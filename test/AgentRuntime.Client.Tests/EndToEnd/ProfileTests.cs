using System.Net;
using AgentRuntime.Client.Tests.Support;
using AgentRuntime.Profiles;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class ProfileTests : ClientTest
{
    [Fact]
    public async Task CreateUpdateAndVersions_RoundTripThroughTheServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var profile = new AgentProfile { Id = "client-made", Name = "Client made", SystemPrompt = "One." };

        var created = await Client.CreateProfileAsync(profile, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var updated = await Client.UpdateProfileAsync(profile with { SystemPrompt = "Two." }, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var unchanged = await Client.UpdateProfileAsync(profile with { SystemPrompt = "Two." }, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var versions = await Client.ListProfileVersionsAsync("client-made", ct).WaitAsync(RuntimeServer.Timeout, ct);
        var first = await Client.GetProfileVersionAsync("client-made", 1, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var latest = await Client.GetProfileAsync("client-made", ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal((1, 2, 2), (created.Version, updated.Version, unchanged.Version));
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal("One.", first.SystemPrompt);
        Assert.Equal("Two.", latest.SystemPrompt);
        Assert.Contains(await Client.ListProfilesAsync(ct).WaitAsync(RuntimeServer.Timeout, ct), p => p.Id == "client-made");
    }

    [Fact]
    public async Task Create_InvalidOrDuplicate_ThrowsWithTheFieldErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        var badSkill = new AgentProfile { Id = "bad", Name = "Bad", Skills = [new ProfileSkill { Name = "Not A Name!", Description = "d", Body = "b" }] };

        var invalid = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.CreateProfileAsync(badSkill, ct).WaitAsync(RuntimeServer.Timeout, ct));
        var duplicate = await Assert.ThrowsAsync<AgentRuntimeApiException>(() =>
            Client.CreateProfileAsync(new AgentProfile { Id = "default", Name = "Again" }, ct).WaitAsync(RuntimeServer.Timeout, ct));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains(invalid.Errors, e => e.StartsWith("skills[0].name:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Empty(duplicate.Errors);
    }

    [Fact]
    public async Task DeleteAndMoveSession_SessionKeepsItsVersionUntilMoved()
    {
        var ct = TestContext.Current.CancellationToken;
        var profile = new AgentProfile { Id = "movable", Name = "V1" };
        await Client.CreateProfileAsync(profile, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var session = await Client.CreateSessionAsync("movable", "claude-agent-sdk", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
        await Client.UpdateProfileAsync(profile with { Name = "V2" }, ct).WaitAsync(RuntimeServer.Timeout, ct);

        Assert.Equal(1, (await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct)).AgentProfileVersion);
        await Client.SetSessionProfileVersionAsync(session.SessionId, null, ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(2, (await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct)).AgentProfileVersion);
        await Client.SetSessionProfileVersionAsync(session.SessionId, 1, ct).WaitAsync(RuntimeServer.Timeout, ct);
        Assert.Equal(1, (await Client.GetSessionAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct)).AgentProfileVersion);

        await Client.DeleteProfileAsync("movable", ct).WaitAsync(RuntimeServer.Timeout, ct);

        var gone = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.GetProfileAsync("movable", ct).WaitAsync(RuntimeServer.Timeout, ct));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("V2", (await Client.GetProfileVersionAsync("movable", 2, ct).WaitAsync(RuntimeServer.Timeout, ct)).Name);
        var again = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.DeleteProfileAsync("movable", ct).WaitAsync(RuntimeServer.Timeout, ct));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }
}
