using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>Files larger than a store chunk (1 MiB) go through the scan, the store and the file API byte for byte.</summary>
public sealed class LargeWorkspaceFileTests : ServerTest
{
    private const int Size = (3 << 20) + 4321;

    [Fact]
    public async Task Agent_WritingAFileOfSeveralChunks_GetAndZipReturnItByteExact()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();

        var (_, events) = await RunBashAsync(session.SessionId, $"head -c {Size} /dev/urandom > big.bin");

        var created = Assert.Single(events.Events.OfType<FileCreatedEvent>(), e => e.Path == "big.bin");
        Assert.Equal(Size, created.Size);
        var fromGet = await Server.Http.GetByteArrayAsync($"/api/sessions/{session.SessionId}/files/big.bin", ct).WaitAsync(RunningServer.Timeout, ct);
        Assert.Equal(Size, fromGet.Length);
        Assert.Equal(created.Hash, Convert.ToHexStringLower(SHA256.HashData(fromGet)));
        Assert.Equal(fromGet, await ReadZipEntryAsync(session.SessionId, "big.bin", ct));
    }

    [Fact]
    public async Task Upload_OfSeveralChunksWithNoSandbox_GetRangeAndZipReturnItByteExact()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        var content = RandomNumberGenerator.GetBytes(Size);

        var put = await Server.Http.PutAsync($"/api/sessions/{session.SessionId}/files/data/big.bin", new ByteArrayContent(content), ct).WaitAsync(RunningServer.Timeout, ct);
        put.EnsureSuccessStatusCode();

        Assert.Equal(content, await Server.Http.GetByteArrayAsync($"/api/sessions/{session.SessionId}/files/data/big.bin", ct).WaitAsync(RunningServer.Timeout, ct));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/files/data/big.bin");
        request.Headers.Range = new RangeHeaderValue((1 << 20) - 10, (1 << 20) + 9); // across a chunk boundary
        using var range = await Server.Http.SendAsync(request, ct).WaitAsync(RunningServer.Timeout, ct);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(content.AsSpan((1 << 20) - 10, 20).ToArray(), await range.Content.ReadAsByteArrayAsync(ct).WaitAsync(RunningServer.Timeout, ct));
        Assert.Equal(content, await ReadZipEntryAsync(session.SessionId, "data/big.bin", ct));
    }

    private async Task<byte[]> ReadZipEntryAsync(string sessionId, string path, CancellationToken ct)
    {
        var zipBytes = await Server.Http.GetByteArrayAsync($"/api/sessions/{sessionId}/files.zip", ct).WaitAsync(RunningServer.Timeout, ct);
        using var zip = new ZipArchive(new MemoryStream(zipBytes));
        await using var entry = zip.GetEntry(path)!.Open();
        using var content = new MemoryStream();
        await entry.CopyToAsync(content, ct).WaitAsync(RunningServer.Timeout, ct);
        return content.ToArray();
    }
}
