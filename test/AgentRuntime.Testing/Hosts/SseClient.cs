using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;

namespace AgentRuntime.Testing.Hosts;

/// <summary>Reads <c>GET /api/sessions/{id}/events</c> as server-sent events, checking that each id is the event's seq.</summary>
public static class SseClient
{
    /// <summary>
    /// The session's events after <paramref name="after"/>, replayed then live; <paramref name="opened"/> is called once
    /// the server has answered with the stream's headers (the subscription is in place), before any event.
    /// </summary>
    public static async IAsyncEnumerable<SessionEvent> ReadAsync(HttpClient http, string sessionId, long after, [EnumeratorCancellation] CancellationToken cancellationToken, Action? opened = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{sessionId}/events?after={after}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        opened?.Invoke();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? id = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
            else if (line.Length == 0 && data is not null)
            {
                var e = JsonSerializer.Deserialize(data, AgentRuntimeJsonContext.Default.SessionEvent)!;
                if (id != e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw new InvalidDataException($"SSE id {id} does not match seq {e.Seq}.");
                }

                yield return e;
                id = data = null;
            }
        }
    }
}
