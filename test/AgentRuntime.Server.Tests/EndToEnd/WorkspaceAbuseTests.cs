using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// A hostile or runaway agent's workspace, through the real CLI: files too big, too many, too deep, links, and bad names
/// from clients. What exceeds a limit is not stored and the conversation says which limit; the turn completes, the
/// session stays usable and deletable.
/// </summary>
public sealed class WorkspaceAbuseTests : ServerTest
{
    private readonly DirectoryInfo _profiles = Directory.CreateTempSubdirectory("agent-runtime-profiles-");

    public WorkspaceAbuseTests() => File.WriteAllText(Path.Combine(_profiles.FullName, "small.json"), """
        {"id": "small", "name": "Small workspace", "workspaceLimits": {"maxFiles": 50, "maxFileBytes": 1048576, "maxTotalBytes": 4194304}}
        """);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["AgentRuntime:ProfilesDirectory"] = _profiles.FullName };

    [Fact]
    public async Task Agent_WritingPastEveryStoreLimit_GetsNoticesAndTheTurnCompletes()
    {
        var session = await Server.CreateSessionAsync(profile: "small");

        var (result, events) = await RunBashAsync(session.SessionId,
            "head -c 2000000 /dev/zero > big.bin; for i in $(seq 1 120); do echo $i > many-$i.txt; done; " +
            "mkdir -p $(printf 'd/%.0s' $(seq 1 80)) && echo deep > $(printf 'd/%.0s' $(seq 1 80))bottom.txt; " +
            "ln -s /etc/passwd passwd-link; mkfifo pipe; echo done");

        Assert.Contains("done", result.Output);
        var notices = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<SystemBlock>().Where(b => b.Subtype == "workspace_limit").Select(b => b.Message).ToList();
        Assert.Contains(notices, n => n.Contains("'big.bin'", StringComparison.Ordinal) && n.Contains("maxFileBytes", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.Contains("maxFiles", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.Contains("deeper than 64 levels", StringComparison.Ordinal));
        Assert.Equal(notices.Count, notices.Distinct().Count());
        Assert.DoesNotContain(notices, n => n.Contains(DataDirectory, StringComparison.Ordinal));
        var stored = (await Server.GetSessionAsync(session.SessionId)).WorkspaceFiles;
        Assert.Equal(50, stored.Count);
        Assert.DoesNotContain(stored, f => f.Path is "big.bin" or "passwd-link" or "pipe" || f.Path.EndsWith("bottom.txt", StringComparison.Ordinal));

        var (again, _) = await RunBashAsync(session.SessionId, "echo still-working");
        Assert.Contains("still-working", again.Output);
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.DeleteAsync($"/api/sessions/{session.SessionId}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"DELETE took {clock.Elapsed}");
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "sandboxes", session.SessionId)));
    }

    [Theory]
    [InlineData(300, 1)]
    [InlineData(10, 120)]
    [InlineData(2, 70)]
    public async Task Client_GivingAPathTooLongOrDeep_Gets400EverywhereAndNothingIsCreated(int nameLength, int depth)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = string.Join('/', Enumerable.Repeat(new string('n', nameLength), depth));

        var create = await Server.Http.PostAsJsonAsync("/api/sessions", new JsonObject
        {
            ["agentProfileRef"] = "default",
            ["architecture"] = "claude-agent-sdk",
            ["files"] = new JsonObject { [path] = "x" },
        }, ct);
        var session = await Server.CreateSessionAsync();
        var put = await Server.Http.PutAsync($"/api/sessions/{session.SessionId}/files/{path}", new StringContent("x"), ct);

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.DoesNotContain(DataDirectory, await create.Content.ReadAsStringAsync(ct));
        Assert.DoesNotContain(DataDirectory, await put.Content.ReadAsStringAsync(ct));
        Assert.Single((await Server.Http.GetFromJsonAsync<JsonObject>("/api/sessions", ct))!["sessions"]!.AsArray());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _profiles.Delete(recursive: true);
    }
}
