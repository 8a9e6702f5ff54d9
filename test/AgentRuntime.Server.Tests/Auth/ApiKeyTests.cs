using System.Net;
using System.Net.Http.Json;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary>API keys: the first-start admin key, creating, using and revoking keys, and what a revoked key had open.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApiKeyTests : ServerTest
{
    private readonly CapturedLogs _logs = new();

    // Everything the server logs, at every level, to look for credentials in.
    internal override void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) => _logs.AddTo(builder, LogLevel.Trace);

    [Fact]
    public async Task FirstStart_MakesOnePrivateAdminKey_AndSaysWhereWithASignedInLink()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(DataDirectory, "admin.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var key = Server.AdminKey!;
        Assert.Matches("^ar_[0-9a-f]{16}\\.[A-Za-z0-9_-]{43}$", key);
        Assert.Contains(_logs.Messages, m => m.Contains(file, StringComparison.Ordinal) && m.Contains($"{Server.BaseAddress.ToString().TrimEnd('/')}/#key={key}", StringComparison.Ordinal));

        var me = await Server.Http.GetFromJsonAsync("/api/me", AgentRuntimeJsonContext.Default.CallerInfo, ct);
        Assert.Equal("default", me!.TenantId);
        Assert.Equal(["admin", "sessions"], me.Scopes.Order());
        Assert.Equal(key[3..19], me.KeyId);
        Assert.Equal("apikey", me.AuthMode);

        // A restart keeps the key and makes no other.
        await RestartServerAsync();
        Assert.Equal(key, Server.AdminKey);
        Assert.Single((await Server.Http.GetFromJsonAsync("/api/keys", AgentRuntimeJsonContext.Default.IReadOnlyListApiKeyInfo, ct))!);
    }

    [Fact]
    public async Task CreatedKey_WorksForItsTenant_IsListedWithoutItsSecret_AndBadBodiesAre400()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await Server.CreateKeyAsync("acme");
        Assert.Equal(["sessions"], created.Scopes);
        var me = await Server.CreateHttpClient(created.Key).GetFromJsonAsync("/api/me", AgentRuntimeJsonContext.Default.CallerInfo, ct);
        Assert.Equal("acme", me!.TenantId);

        var listed = await Server.Http.GetStringAsync("/api/keys?tenantId=acme", ct);
        Assert.Contains(created.KeyId, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Key.Split('.')[1], listed, StringComparison.Ordinal);
        Assert.DoesNotContain("\"key\"", listed, StringComparison.Ordinal);
        foreach (var database in Directory.GetFiles(DataDirectory, "agent-runtime.db*"))
        {
            Assert.DoesNotContain(created.Key.Split('.')[1], System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(database, ct)), StringComparison.Ordinal);
        }

        foreach (var (body, message) in new[]
        {
            ("{\"tenantId\":\"../etc\"}", "tenant id"),
            ("{\"scopes\":[\"root\"]}", "'root' is not a scope"),
            ("{\"scopes\":[]}", "at least one scope"),
            ("{\"name\":\"" + new string('n', 201) + "\"}", "200 characters"),
            ("{\"tenantId\":", "JSON"),
        })
        {
            using var response = await Server.Http.PostAsync("/api/keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(message, await response.Content.ReadAsStringAsync(ct), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.DeleteAsync("/api/keys/0123456789abcdef", ct)).StatusCode);
    }

    [Fact]
    public async Task RevokedKey_FailsAtOnce_AndItsOpenStreamAndHubConnectionAreClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await Server.CreateKeyAsync("acme");
        var http = Server.CreateHttpClient(key.Key);
        var session = await http.CreateSessionAsync();

        // An SSE stream and a hub connection, open with the key.
        using var sseRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events");
        sseRequest.Headers.Accept.ParseAdd("text/event-stream");
        using var sse = await http.SendAsync(sseRequest, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
        var sseBody = await sse.Content.ReadAsStreamAsync(ct);
        var sseEnded = Task.Run(async () =>
        {
            try
            {
                await new StreamReader(sseBody).ReadToEndAsync(ct);
            }
            catch (HttpIOException)
            {
                // Ended by the server mid-stream: as closed as a clean end.
            }
        }, ct);

        await using var hub = Server.CreateHubConnection(key.Key);
        var hubClosed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += error =>
        {
            hubClosed.TrySetResult(error);
            return Task.CompletedTask;
        };
        await hub.StartAsync(ct);
        var events = hub.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct);
        await using (var enumerator = events.GetAsyncEnumerator(ct))
        {
            Assert.True(await enumerator.MoveNextAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.DeleteAsync($"/api/keys/{key.KeyId}", ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/sessions", ct)).StatusCode);
        await sseEnded.WaitAsync(TimeSpan.FromSeconds(5), ct);
        await hubClosed.Task.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
        await using var again = Server.CreateHubConnection(key.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync(ct))).StatusCode);
    }

    [Fact]
    public async Task QueryAccessToken_OnTheStreamAndTheHub_Authenticates_AndNeverReachesTheLogs()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await Server.CreateKeyAsync("acme");
        var session = await Server.CreateHttpClient(key.Key).CreateSessionAsync();
        var anonymous = Server.CreateHttpClient(null);

        using var sseRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events?after=0&access_token={Uri.EscapeDataString(key.Key)}");
        sseRequest.Headers.Accept.ParseAdd("text/event-stream");
        using (var sse = await anonymous.SendAsync(sseRequest, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
            using var reader = new StreamReader(await sse.Content.ReadAsStreamAsync(ct));
            Assert.Equal("id: 1", await reader.ReadLineAsync(ct));
        }

        // The .NET SignalR client sends the token in the query on the WebSocket it opens.
        await using (var hub = Server.CreateHubConnection(key.Key))
        {
            await hub.StartAsync(ct);
            await foreach (var e in hub.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct))
            {
                Assert.Equal(1, e.Seq);
                break;
            }
        }

        // Elsewhere a token in the query is not a credential.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sessions?access_token={Uri.EscapeDataString(key.Key)}", ct)).StatusCode);

        var secret = key.Key.Split('.')[1];
        Assert.Contains(_logs.Messages, m => m.Contains("/hubs/sessions", StringComparison.Ordinal)); // The requests were logged...
        Assert.DoesNotContain(_logs.Messages, m => m.Contains(secret, StringComparison.Ordinal) || m.Contains(Uri.EscapeDataString(secret), StringComparison.Ordinal)); // ...without the token.
    }
}
