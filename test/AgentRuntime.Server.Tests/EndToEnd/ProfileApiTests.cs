using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>Profiles written through the REST API: versions, validation answers, who may write what.</summary>
public sealed class ProfileApiTests : ServerTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateThenUpdate_NewVersionEachChange_OldVersionsReadable()
    {
        using var created = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", """{"id":"reviewer","name":"Reviewer","systemPrompt":"One."}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/profiles/reviewer", created.Headers.Location?.OriginalString);
        Assert.Equal(1, (await created.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.StoredProfile, Ct))!.Version);

        using var updated = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/reviewer", """{"id":"reviewer","name":"Reviewer","systemPrompt":"Two."}""");
        using var same = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/reviewer", """{"id":"reviewer","name":"Reviewer","systemPrompt":"Two."}""");

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.StoredProfile, Ct))!.Version);
        Assert.Equal(2, (await same.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.StoredProfile, Ct))!.Version);
        Assert.Equal("Two.", (await GetProfileAsync("/api/profiles/reviewer")).SystemPrompt);
        Assert.Equal("One.", (await GetProfileAsync("/api/profiles/reviewer?version=1")).SystemPrompt);
        var versions = await Server.Http.GetFromJsonAsync("/api/profiles/reviewer/versions", AgentRuntimeJsonContext.Default.IReadOnlyListProfileVersionInfo, Ct);
        Assert.Equal([1, 2], versions!.Select(v => v.Version));
        using var missingVersion = await Server.Http.GetAsync("/api/profiles/reviewer?version=3", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missingVersion.StatusCode);
        using var badVersion = await Server.Http.GetAsync("/api/profiles/reviewer?version=two", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
    }

    [Fact]
    public async Task Create_ExistingId_Conflict()
    {
        using var duplicate = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", """{"id":"default","name":"Mine"}""");

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("General coding agent", (await GetProfileAsync("/api/profiles/default")).Name);
    }

    [Fact]
    public async Task Create_RacingCreatesOfOneId_OneCreatedTheOthersConflict()
    {
        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", $$"""{"id":"raced","name":"Racer {{i}}"}""")));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        using var versions = JsonDocument.Parse(await Server.Http.GetStringAsync("/api/profiles/raced/versions", Ct));
        Assert.Single(versions.RootElement.EnumerateArray());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Create_UnknownFieldAndBadSkillName_BadRequestNamingTheFields()
    {
        using var unknown = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", """{"id":"p","name":"P","colour":"blue"}""");
        using var badSkill = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles",
            """{"id":"p","name":"P","skills":[{"name":"Not A Name!","description":"d","body":"b"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains(await ErrorsAsync(unknown), e => e.StartsWith("colour:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, badSkill.StatusCode);
        Assert.Contains(await ErrorsAsync(badSkill), e => e.StartsWith("skills[0].name:", StringComparison.Ordinal));
        using var missing = await Server.Http.GetAsync("/api/profiles/p", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Update_IdDiffersOrNoSuchProfile_RefusedAsSuch()
    {
        using var renamed = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/default", """{"id":"other","name":"Other"}""");
        using var missing = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/nobody", """{"id":"nobody","name":"Nobody"}""");
        using var text = await Server.Http.PutAsync("/api/profiles/default", new StringContent("{}", Encoding.UTF8, "text/plain"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Contains(await ErrorsAsync(renamed), e => e.StartsWith("id:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task Delete_Profile_GoneForNewSessionsButItsVersionsStayReadable()
    {
        using var created = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", """{"id":"brief","name":"Brief"}""");
        var session = await Server.CreateSessionAsync(profile: "brief");

        using var deleted = await Server.Http.DeleteAsync("/api/profiles/brief", Ct);
        using var again = await Server.Http.DeleteAsync("/api/profiles/brief", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.DoesNotContain((await ListAsync(Server.Http)), p => p == "brief");
        using var latest = await Server.Http.GetAsync("/api/profiles/brief", Ct);
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
        Assert.Equal("Brief", (await GetProfileAsync("/api/profiles/brief?version=1")).Name);
        using var newSession = await Server.Http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "brief", architecture = "claude-agent-sdk" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, newSession.StatusCode);
        Assert.Equal(1, (await Server.GetSessionAsync(session.SessionId)).AgentProfileVersion);
    }

    [Fact]
    public async Task TenantCaller_WritesOwnTenantsProfilesOnly()
    {
        var acme = Server.CreateHttpClient((await Server.CreateKeyAsync("acme")).Key);
        var globex = Server.CreateHttpClient((await Server.CreateKeyAsync("globex")).Key);

        using var own = await SendAsync(acme, HttpMethod.Post, "/api/profiles", """{"id":"acme-bot","name":"Acme"}""");
        using var foreign = await SendAsync(acme, HttpMethod.Post, "/api/profiles", """{"id":"sneaky","name":"S","tenantId":"globex"}""");
        using var global = await SendAsync(acme, HttpMethod.Put, "/api/profiles/default", """{"id":"default","name":"Mine now"}""");
        using var deleteGlobal = await acme.DeleteAsync("/api/profiles/default", Ct);
        using var otherReads = await globex.GetAsync("/api/profiles/acme-bot", Ct);
        using var otherWrites = await SendAsync(globex, HttpMethod.Put, "/api/profiles/acme-bot", """{"id":"acme-bot","name":"Taken"}""");
        using var otherDeletes = await globex.DeleteAsync("/api/profiles/acme-bot", Ct);
        using var otherVersions = await globex.GetAsync("/api/profiles/acme-bot/versions", Ct);

        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal("acme", (await own.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.StoredProfile, Ct))!.Profile.TenantId);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, global.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleteGlobal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherReads.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherWrites.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDeletes.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherVersions.StatusCode);
        Assert.Contains("acme-bot", await ListAsync(acme));
        Assert.DoesNotContain("acme-bot", await ListAsync(globex));
        Assert.Equal("General coding agent", (await GetProfileAsync("/api/profiles/default")).Name);

        // The admin writes any tenant's profile, and global ones.
        using var adminForTenant = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/acme-bot", """{"id":"acme-bot","name":"By admin","tenantId":"acme"}""");
        Assert.Equal(HttpStatusCode.OK, adminForTenant.StatusCode);
        using var updatedByOwner = await SendAsync(acme, HttpMethod.Put, "/api/profiles/acme-bot", """{"id":"acme-bot","name":"Back"}""");
        Assert.Equal(3, (await updatedByOwner.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.StoredProfile, Ct))!.Version);
    }

    [Fact]
    public async Task PatchSession_ProfileVersion_MovesTheSessionAndKeepsTheBudget()
    {
        using var created = await SendAsync(Server.Http, HttpMethod.Post, "/api/profiles", """{"id":"moving","name":"V1"}""");
        var session = await Server.CreateSessionAsync(profile: "moving");
        using var budget = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { budget = new { maxTokens = 1000 } }, Ct);
        using var updated = await SendAsync(Server.Http, HttpMethod.Put, "/api/profiles/moving", """{"id":"moving","name":"V2"}""");
        Assert.Equal(1, (await Server.GetSessionAsync(session.SessionId)).AgentProfileVersion);

        using var latest = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { profileVersion = "latest" }, Ct);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(2, detail.AgentProfileVersion);
        Assert.Equal(1000, detail.Metadata!.Budget!.MaxTokens);
        Assert.Contains((await Server.Http.GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, Ct))!.Sessions,
            s => s.SessionId == session.SessionId && s.AgentProfileVersion == 2);

        using var back = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { profileVersion = 1 }, Ct);
        Assert.Equal(1, (await Server.GetSessionAsync(session.SessionId)).AgentProfileVersion);
        using var missing = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { profileVersion = 9 }, Ct);
        using var nonsense = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { profileVersion = "newest" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nonsense.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string json)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await http.SendAsync(request, Ct);
    }

    private async Task<AgentProfile> GetProfileAsync(string url) =>
        (await Server.Http.GetFromJsonAsync(url, AgentRuntimeJsonContext.Default.AgentProfile, Ct))!;

    private static async Task<List<string>> ListAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync("/api/profiles", AgentRuntimeJsonContext.Default.IReadOnlyListAgentProfileSummary, Ct))!.Select(p => p.Id)];

    private static async Task<List<string>> ErrorsAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. problem.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];
    }
}
