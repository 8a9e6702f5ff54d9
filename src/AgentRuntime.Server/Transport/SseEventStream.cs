using System.Buffers;
using System.IO.Pipelines;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Transport;

/// <summary>
/// Writes a session's events as server-sent events: <c>id</c> is the event's seq, <c>data</c> its JSON. Each event's
/// frame is encoded once for every subscriber (<see cref="LiveEventEncodings"/>), and the response is flushed once per
/// burst, when the subscription has nothing more for now, rather than once per event.
/// </summary>
internal sealed class SseEventStream(string sessionId, long afterSeq, IAgentSessionManager sessions, LiveEventEncodings encodings, CancellationToken revoked) : IResult
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    // A replay from the store comes without a pause: flush along the way rather than hold it all in the response.
    private const int FlushAfterBytes = 64 * 1024;

    private static ReadOnlySpan<byte> KeepAlive => ": keep-alive\n\n"u8;

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, revoked);
        var ct = ended.Token;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(ct);
        var body = response.BodyWriter;
        var unflushed = 0L;
        try
        {
            await foreach (var item in LiveStream.RelayAsync(token => sessions.SubscribeAsync(sessionId, afterSeq, token), Heartbeat, translate: null, reportCaughtUp: true, ct))
            {
                if (item.IsCaughtUp)
                {
                    if (unflushed > 0 && !await FlushAsync(body, ct))
                    {
                        return;
                    }

                    unflushed = 0;
                    continue;
                }

                if (item.IsKeepAlive)
                {
                    body.Write(KeepAlive);
                    unflushed += KeepAlive.Length;
                }
                else
                {
                    var frame = encodings.GetSseFrame(item.Value);
                    body.Write(frame);
                    unflushed += frame.Length;
                }

                if (item.IsKeepAlive || unflushed >= FlushAfterBytes)
                {
                    if (!await FlushAsync(body, ct))
                    {
                        return;
                    }

                    unflushed = 0;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away (or its key was revoked) while an event was being written.
        }
        catch (SubscriberLaggedException ex)
        {
            await response.WriteAsync($"event: lagged\ndata: {ex.LastDeliveredSeq}\n\n", ct);
        }
    }

    /// <summary>Sends what was written; false once the client has gone and nothing more can be sent.</summary>
    private static async Task<bool> FlushAsync(PipeWriter body, CancellationToken ct)
    {
        var result = await body.FlushAsync(ct);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
