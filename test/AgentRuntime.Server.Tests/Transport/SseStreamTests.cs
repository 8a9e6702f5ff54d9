using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>The SSE event stream's own life: how it ends when its client goes away.</summary>
public sealed class SseStreamTests : ServerTest
{
    private readonly CapturedLogs _logs = new();

    internal override void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) => _logs.AddTo(builder, LogLevel.Information);

    [Fact]
    public async Task Stream_ClientGoesAwayWhileWaitingForEvents_EndsWithoutAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        // One event in the log (the budget's metadata), so that receiving it shows the server waiting for the next.
        (await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { budget = new { maxTokens = 1000 } }, ct)).EnsureSuccessStatusCode();

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events?after=0"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await Server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            Assert.Equal("id: 1", await reader.ReadLineAsync(ct).AsTask().WaitAsync(RunningServer.Timeout, ct));
        }

        var finished = await _logs.WaitForAsync(m => m.Contains("Request finished", StringComparison.Ordinal) && m.Contains("/events", StringComparison.Ordinal), ct);
        Assert.DoesNotContain(_logs.Entries.Take(finished), e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Stream_ManyEventsAtOnce_DeliversEveryOneOnceInOrderBothWays()
    {
        const int Events = 120;
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        var sse = SubscribeSse(session.SessionId);
        var hub = await SubscribeHubAsync(session.SessionId);

        // Concurrent appends share commits, so subscribers get bursts of events to send at once.
        await Task.WhenAll(Enumerable.Range(0, Events).Select(async i =>
        {
            using var response = await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { budget = new { maxTokens = 1000 + i } }, ct);
            response.EnsureSuccessStatusCode();
        })).WaitAsync(RunningServer.Timeout, ct);
        // One that starts after the log holds them all: a replay from the store, then live.
        var lateSse = SubscribeSse(session.SessionId, afterSeq: 7);
        (await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { budget = new { maxTokens = 1 } }, ct)).EnsureSuccessStatusCode();

        foreach (var (collector, from) in new[] { (sse, 1), (hub, 1), (lateSse, 8) })
        {
            await collector.WaitForAsync<SessionEvent>(e => e.Seq == Events + 1);
            Assert.Equal(Enumerable.Range(from, Events + 2 - from).Select(i => (long)i), collector.Events.Select(e => e.Seq));
            Assert.All(collector.Events, e => Assert.IsType<MetadataUpdateEvent>(e));
        }
    }
}
