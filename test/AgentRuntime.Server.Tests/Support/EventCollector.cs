using AgentRuntime.Events;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>Collects events from a subscription on a background task and lets a test wait for one.</summary>
internal sealed class EventCollector : IAsyncDisposable
{
    private readonly List<SessionEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EventCollector(Func<CancellationToken, IAsyncEnumerable<SessionEvent>> subscribe)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in subscribe(_stop.Token))
                {
                    lock (_events)
                    {
                        _events.Add(e);
                    }

                    Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    public IReadOnlyList<SessionEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>Waits until an event matches, failing after the timeout with what arrived.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : SessionEvent
    {
        var deadline = DateTime.UtcNow + (timeout ?? RunningServer.Timeout);
        while (true)
        {
            var changed = _changed.Task;
            if (Events.OfType<T>().FirstOrDefault(e => match?.Invoke(e) ?? true) is { } found)
            {
                return found;
            }

            if (_pump.IsFaulted)
            {
                await _pump;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                var errors = Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<Blocks.ErrorBlock>().Select(b => $"{b.Code}: {b.Message}");
                throw new TimeoutException($"No {typeof(T).Name} arrived. Got: {string.Join(", ", Events.Select(e => $"{e.Seq}:{e.GetType().Name}"))}. Errors: {string.Join(" | ", errors)}");
            }

            await Task.WhenAny(changed, _pump, Task.Delay(left));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // How the subscription ended no longer matters once the test is done with it (a restarted server drops it).
        }

        _stop.Dispose();
    }
}
