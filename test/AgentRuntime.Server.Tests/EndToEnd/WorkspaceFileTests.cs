using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class WorkspaceFileTests : ServerTest
{
    [Fact]
    public async Task Agent_CreatingEditingAndDeletingFiles_RaisesFileEventsAndTheZipHoldsTheWorkspace()
    {
        var session = await Server.CreateSessionAsync();
        var (_, events) = await RunBashAsync(session.SessionId, "printf 'one\\n' > notes.txt && mkdir -p src && printf 'x = 1\\n' > src/app.py && head -c 100000 /dev/zero > blob.bin");
        await RunBashAsync(session.SessionId, "printf 'two\\n' >> notes.txt && rm blob.bin", events);

        var created = events.Events.OfType<FileCreatedEvent>().ToDictionary(e => e.Path);
        Assert.Equal(["blob.bin", "notes.txt", "src/app.py"], created.Keys.Order());
        Assert.Equal("one\n", created["notes.txt"].Content);
        Assert.Null(created["blob.bin"].Content);
        Assert.Equal(100_000, created["blob.bin"].Size);
        var modified = Assert.Single(events.Events.OfType<FileModifiedEvent>());
        Assert.Equal(("notes.txt", "one\ntwo\n"), (modified.Path, modified.Content));
        Assert.Equal("blob.bin", Assert.Single(events.Events.OfType<FileDeletedEvent>()).Path);

        using var zip = new ZipArchive(await Server.Http.GetStreamAsync($"/api/sessions/{session.SessionId}/files.zip", TestContext.Current.CancellationToken));
        Assert.Equal(["notes.txt", "src/app.py"], zip.Entries.Select(e => e.FullName).Order());
        using var reader = new StreamReader(zip.GetEntry("notes.txt")!.Open());
        Assert.Equal("one\ntwo\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UploadedFile_IsSeenByTheAgentOnItsNextTurnAndReadableWithNoSandbox()
    {
        var session = await Server.CreateSessionAsync();
        var ct = TestContext.Current.CancellationToken;

        var put = await Server.Http.PutAsync($"/api/sessions/{session.SessionId}/files/data/input.csv", new ByteArrayContent("a,b\n1,2\n"u8.ToArray()), ct);
        put.EnsureSuccessStatusCode();
        var (result, events) = await RunBashAsync(session.SessionId, "cat data/input.csv");

        Assert.Contains("1,2", result.Output);
        Assert.Contains(events.Events.OfType<FileCreatedEvent>(), e => e.Path == "data/input.csv");
        Assert.Equal("a,b\n1,2\n", await Server.Http.GetStringAsync($"/api/sessions/{session.SessionId}/files/data/input.csv", ct));
        var deleted = await Server.Http.DeleteAsync($"/api/sessions/{session.SessionId}/files/data/input.csv", ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync($"/api/sessions/{session.SessionId}/files/data/input.csv", ct)).StatusCode);
    }

    [Fact]
    public async Task CreateSession_WithFiles_WritesThemBeforeTheFirstTurn()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await Server.Http.PostAsJsonAsync("/api/sessions", new
        {
            agentProfileRef = "default",
            architecture = "claude-agent-sdk",
            files = new Dictionary<string, string> { ["README.md"] = "# Seeded\n" },
        }, ct);
        response.EnsureSuccessStatusCode();
        var session = (await response.Content.ReadFromJsonAsync(Serialization.AgentRuntimeJsonContext.Default.SessionListItem, ct))!;

        var (result, _) = await RunBashAsync(session.SessionId, "cat README.md");

        Assert.Contains("# Seeded", result.Output);
    }

    [Theory]
    [InlineData("..%2F..%2Fcanary.txt")]
    [InlineData("%2E%2E%2Fcanary.txt")]
    [InlineData("a%2F..%2F..%2Fcanary.txt")]
    [InlineData("%2Ftmp%2Fcanary.txt")]
    [InlineData("a%00b.txt")]
    [InlineData("link%2Fescaped.txt")]
    public async Task FileEndpoints_WithAPathThatLeavesTheWorkspace_Return400AndTouchNothing(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        var outside = Path.Combine(DataDirectory, "outside");
        Directory.CreateDirectory(outside);
        var canary = Path.Combine(outside, "canary.txt");
        await File.WriteAllTextAsync(canary, "untouched", ct);
        // A link the agent made that points out of the workspace, to the directory holding the canary.
        await RunBashAsync(session.SessionId, $"ln -s {outside} link && ls -la link");
        var url = $"/api/sessions/{session.SessionId}/files/{path}";

        var responses = new[]
        {
            await Server.Http.PutAsync(url, new StringContent("overwritten", Encoding.UTF8), ct),
            await Server.Http.GetAsync(url, ct),
            await Server.Http.DeleteAsync(url, ct),
        };

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal("untouched", await File.ReadAllTextAsync(canary, ct));
        Assert.False(File.Exists(Path.Combine(outside, "escaped.txt")));
    }
}
