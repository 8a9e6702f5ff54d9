using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// The two kinds of client a session's events go out to, each on its own connection as separate clients would be: an
/// SSE reader of <c>GET /api/sessions/{id}/events</c> and a SignalR hub stream of <c>SubscribeSession</c>. Both read
/// from seq 0 until stopped and time each event the moment it has arrived whole, before anything else is done with it.
/// </summary>
internal static class EventSubscribers
{
    /// <summary>Reads the session's SSE stream into <paramref name="tally"/>; <paramref name="opened"/> completes with the response's headers.</summary>
    public static async Task ReadSseAsync(HttpClient http, string sessionId, SubscriberTally tally, TaskCompletionSource opened, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{sessionId}/events?after=0");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            opened.TrySetResult();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            string? eventName = null;
            string? data = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length > 0)
                {
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data = line[6..];
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        eventName = line[7..];
                    }

                    continue;
                }

                var receivedAt = Stopwatch.GetTimestamp();
                if (eventName == "lagged")
                {
                    tally.Fail($"SSE lagged after seq {data}");
                    return;
                }

                if (data is not null)
                {
                    tally.Record(JsonSerializer.Deserialize(data, AgentRuntimeJsonContext.Default.SessionEvent)!, receivedAt);
                }

                eventName = data = null;
            }

            tally.Fail("SSE stream ended");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            opened.TrySetException(ex);
            tally.Fail($"SSE: {ex.Message}");
        }
    }

    /// <summary>Streams the session's events from the hub into <paramref name="tally"/>; <paramref name="opened"/> completes once connected.</summary>
    public static async Task ReadHubAsync(Uri baseAddress, string sessionId, SubscriberTally tally, TaskCompletionSource opened, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "hubs/sessions"))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default))
            .Build();
        await using (connection)
        {
            try
            {
                await connection.StartAsync(cancellationToken);
                opened.TrySetResult();
                await foreach (var e in connection.StreamAsync<SessionEvent>("SubscribeSession", sessionId, 0L, cancellationToken))
                {
                    tally.Record(e, Stopwatch.GetTimestamp());
                }

                tally.Fail("hub stream ended");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                opened.TrySetException(ex);
                tally.Fail($"hub: {ex.Message}");
            }
        }
    }
}
