using AgentRuntime.Events;
using AgentRuntime.Security;
using Xunit;
using static AgentRuntime.Persistence.Tests.Conformance.StoreTestData;

namespace AgentRuntime.Persistence.Tests.Conformance;

/// <summary>
/// The conformance tests plus what only a store whose data outlives the instance can promise: a new instance over the
/// same data (as after a restart) sees everything the old one wrote.
/// </summary>
public abstract class DurableAgentStoreConformanceTests : AgentStoreConformanceTests
{
    /// <summary>
    /// Lets go of the store under test (as a process exit would) and returns a new, initialized instance over the same data.
    /// </summary>
    protected abstract Task<IAgentStore> ReopenStoreAsync(CancellationToken cancellationToken);

    [Fact(Timeout = Timeout)]
    public async Task Reopen_AfterWritesOfEveryKind_KeepsAllData()
    {
        var session = await CreateSessionAsync();
        var other = await CreateSessionAsync();
        var appended = await Store.AppendEventsAsync(session.SessionId, 0, OneOfEachEventType(), CancellationToken);
        var transcript = RandomBytes(300_000, seed: 1);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", transcript.AsMemory(0, 100_000), CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", transcript.AsMemory(100_000), CancellationToken);
        await Store.ReplaceTranscriptAsync(session.SessionId, "rewritten.json", "{}"u8.ToArray(), CancellationToken);
        var binary = BinaryContent();
        var fileInfo = FileInfo("données/🚀.bin", binary, Epoch);
        await Store.SaveWorkspaceFileAsync(session.SessionId, fileInfo, binary, CancellationToken);
        var profile = Profile("default", "Default");
        await Store.SaveProfileAsync(profile, CancellationToken);
        Assert.True(await Store.DeleteSessionAsync(other.SessionId, CancellationToken));

        var reopened = await ReopenStoreAsync(CancellationToken);

        Assert.Equal(Json(session), Json(Assert.Single(await reopened.ListSessionsAsync(null, CancellationToken))));
        Assert.Equal(Json(session), Json(await reopened.GetSessionAsync(session.SessionId, CancellationToken)));
        Assert.Null(await reopened.GetSessionAsync(other.SessionId, CancellationToken));
        var events = await reopened.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken);
        Assert.Equal(appended.Select(Json), events.Select(Json));
        var files = await reopened.LoadTranscriptAsync(session.SessionId, CancellationToken);
        Assert.Equal(["main.jsonl", "rewritten.json"], files.Select(f => f.RelativePath));
        Assert.True(transcript.AsSpan().SequenceEqual(files[0].Content));
        Assert.Equal("{}"u8.ToArray(), files[1].Content);
        Assert.Equal(Json(fileInfo), Json(Assert.Single(await reopened.ListWorkspaceFilesAsync(session.SessionId, CancellationToken))));
        Assert.Equal(binary, await reopened.ReadWorkspaceFileAsync(session.SessionId, fileInfo.Path, CancellationToken));
        Assert.Equal(Json(profile), Json(Assert.Single(await reopened.ListProfilesAsync(CancellationToken))));
    }

    [Fact(Timeout = Timeout)]
    public async Task Reopen_AfterTenantsAndApiKeys_KeepsThem()
    {
        var acme = NewSession(Epoch.AddMinutes(1), tenantId: "acme");
        var beta = NewSession(Epoch.AddMinutes(2), tenantId: "beta");
        var unset = NewSession(Epoch.AddMinutes(3));
        foreach (var session in new[] { acme, beta, unset })
        {
            await Store.CreateSessionAsync(session, CancellationToken);
        }

        var key = ApiKey("0123456789abcdef", "acme");
        var unnamed = ApiKey("fedcba9876543210", "beta", Epoch.AddHours(1).ToOffset(TimeSpan.FromHours(-7))) with { Name = null, Scopes = [ApiScopes.Sessions] };
        var deleted = ApiKey("00000000000000aa", "acme", Epoch.AddHours(2));
        foreach (var k in new[] { key, unnamed, deleted })
        {
            await Store.CreateApiKeyAsync(k, CancellationToken);
        }

        Assert.True(await Store.DeleteApiKeyAsync(deleted.KeyId, CancellationToken));
        var profile = Profile("acme-reviewer", "Reviewer") with { TenantId = "acme" };
        await Store.SaveProfileAsync(profile, CancellationToken);

        var reopened = await ReopenStoreAsync(CancellationToken);

        Assert.Equal(new[] { unset, beta, acme }.Select(Json), (await reopened.ListSessionsAsync(null, CancellationToken)).Select(Json));
        Assert.Equal(Json(acme), Json(Assert.Single(await reopened.ListSessionsAsync("acme", CancellationToken))));
        Assert.Equal(Tenants.Default, (await reopened.GetSessionAsync(unset.SessionId, CancellationToken))!.TenantId);
        Assert.Equal(1, await reopened.CountSessionsAsync("beta", CancellationToken));
        Assert.Equal(new[] { key, unnamed }.Select(Text), (await reopened.ListApiKeysAsync(null, CancellationToken)).Select(Text));
        Assert.Equal(Text(unnamed), Text(await reopened.GetApiKeyAsync(unnamed.KeyId, CancellationToken)));
        Assert.Null(await reopened.GetApiKeyAsync(deleted.KeyId, CancellationToken));
        Assert.Equal(Json(profile), Json(await reopened.GetProfileAsync(profile.Id, CancellationToken)));
    }

    [Fact(Timeout = Timeout)]
    public async Task Reopen_ThenAppend_ContinuesNumberingAndAppendingTranscript()
    {
        var session = await CreateSessionAsync();
        await Store.AppendEventsAsync(session.SessionId, 0, [Turn(1), Turn(2), Turn(3)], CancellationToken);
        await Store.AppendTranscriptAsync(session.SessionId, "main.jsonl", "one\n"u8.ToArray(), CancellationToken);

        var reopened = await ReopenStoreAsync(CancellationToken);
        var appended = await reopened.AppendEventsAsync(session.SessionId, 3, [Turn(4)], CancellationToken);
        await reopened.AppendTranscriptAsync(session.SessionId, "main.jsonl", "two\n"u8.ToArray(), CancellationToken);

        Assert.Equal(4, Assert.Single(appended).Seq);
        Assert.Equal(4, await reopened.GetLastSeqAsync(session.SessionId, CancellationToken));
        Assert.Equal(
            ["turn-1", "turn-2", "turn-3", "turn-4"],
            (await reopened.ReadEventsAsync(session.SessionId, 0, CancellationToken).ToListAsync(CancellationToken)).Cast<TurnStartedEvent>().Select(e => e.TurnId));
        Assert.Equal("one\ntwo\n"u8.ToArray(), Assert.Single(await reopened.LoadTranscriptAsync(session.SessionId, CancellationToken)).Content);
    }
}
