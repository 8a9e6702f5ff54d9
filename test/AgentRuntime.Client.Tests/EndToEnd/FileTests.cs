using System.IO.Compression;
using System.Net;
using System.Text;
using AgentRuntime.Client.Tests.Support;

namespace AgentRuntime.Client.Tests.EndToEnd;

public sealed class FileTests : ClientTest
{
    [Fact]
    public async Task WorkspaceFiles_WriteListReadZipDelete_RoundTrip()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Client.CreateSessionAsync("default", "claude-agent-sdk", files: new Dictionary<string, string> { ["seed.txt"] = "seeded" }, cancellationToken: ct)
            .WaitAsync(RuntimeServer.Timeout, ct);

        var written = await Client.WriteFileAsync(session.SessionId, "notes/a b.txt", Encoding.UTF8.GetBytes("hello files"), ct).WaitAsync(RuntimeServer.Timeout, ct);
        var files = await Client.ListFilesAsync(session.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        var content = await Client.ReadFileAsync(session.SessionId, "notes/a b.txt", ct).WaitAsync(RuntimeServer.Timeout, ct);
        using var zipped = new MemoryStream();
        await Client.DownloadWorkspaceZipAsync(session.SessionId, zipped, ct).WaitAsync(RuntimeServer.Timeout, ct);
        await Client.DeleteFileAsync(session.SessionId, "notes/a b.txt", ct).WaitAsync(RuntimeServer.Timeout, ct);
        var missing = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.ReadFileAsync(session.SessionId, "notes/a b.txt", ct).WaitAsync(RuntimeServer.Timeout, ct));
        var refused = await Assert.ThrowsAsync<AgentRuntimeApiException>(() => Client.WriteFileAsync(session.SessionId, "bad\u0001name.txt", new byte[] { 1 }, ct).WaitAsync(RuntimeServer.Timeout, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.WriteFileAsync(session.SessionId, "../escape.txt", new byte[] { 1 }, ct));

        Assert.Equal(("notes/a b.txt", 11L, true, true), (written.Path, written.Size, written.Created, written.Changed));
        Assert.Contains(files, f => f.Path == "notes/a b.txt" && f.Size == 11);
        Assert.Equal("hello files", Encoding.UTF8.GetString(content));
        zipped.Position = 0;
        using (var zip = new ZipArchive(zipped))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "notes/a b.txt");
        }

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(files, f => f.Path == "seed.txt");
    }
}
