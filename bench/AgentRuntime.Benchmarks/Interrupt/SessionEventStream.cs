using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;

namespace AgentRuntime.Benchmarks.Interrupt;

/// <summary>
/// One client's SSE subscription to a session (<c>GET /api/sessions/{id}/events?after=0</c>), read for the whole run:
/// every event kept with the <see cref="Stopwatch"/> timestamp at which its blank line was read, before it is parsed.
/// </summary>
internal sealed class SessionEventStream : IAsyncDisposable
{
    private readonly List<Received> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    private SessionEventStream(HttpClient http, string sessionId, TaskCompletionSource opened) =>
        _reading = Task.Run(() => ReadAsync(http, sessionId, opened, _stop.Token));

    /// <summary>How many events have arrived: where a wait for what comes next starts.</summary>
    public int Count
    {
        get
        {
            lock (_events)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>The events received from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<Received> Since(int from)
    {
        lock (_events)
        {
            return [.. _events.Skip(from)];
        }
    }

    /// <summary>Subscribes; returns once the server has answered with the stream's headers.</summary>
    public static async Task<SessionEventStream> OpenAsync(HttpClient http, string sessionId, CancellationToken cancellationToken)
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new SessionEventStream(http, sessionId, opened);
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return stream;
    }

    /// <summary>
    /// Waits for the <paramref name="nth"/> event from index <paramref name="from"/> on that matches; fails after
    /// <paramref name="timeout"/>, naming what was waited for.
    /// </summary>
    public async Task<Received> WaitForAsync(int from, Func<SessionEvent, bool> match, string what, TimeSpan timeout, CancellationToken cancellationToken, int nth = 1)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var changed = _changed.Task;
            lock (_events)
            {
                var found = _events.Skip(from).Where(r => match(r.Event)).Skip(nth - 1).FirstOrDefault();
                if (found is not null)
                {
                    return found;
                }
            }

            if (_failure is { } failure)
            {
                throw new InvalidOperationException($"The SSE stream ended while waiting for {what}.", failure);
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No {what} within {timeout.TotalSeconds:0} s.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }

    private async Task ReadAsync(HttpClient http, string sessionId, TaskCompletionSource opened, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{sessionId}/events?after=0");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            opened.TrySetResult();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            string? data = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length > 0)
                {
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data = line[6..];
                    }
                    else if (line == "event: lagged")
                    {
                        throw new IOException("The server dropped this subscriber as lagging.");
                    }

                    continue;
                }

                var receivedAt = Stopwatch.GetTimestamp();
                if (data is not null && JsonSerializer.Deserialize(data, AgentRuntimeJsonContext.Default.SessionEvent) is { } e)
                {
                    lock (_events)
                    {
                        _events.Add(new Received(e, receivedAt));
                    }

                    Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }

                data = null;
            }

            throw new IOException("The server ended the SSE stream.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            opened.TrySetException(ex);
            _failure = ex;
            _changed.TrySetResult();
        }
    }

    /// <param name="Timestamp">When its blank line was read (<see cref="Stopwatch.GetTimestamp"/>).</param>
    internal sealed record Received(SessionEvent Event, long Timestamp);
}
