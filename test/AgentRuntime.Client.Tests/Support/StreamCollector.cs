namespace AgentRuntime.Client.Tests.Support;

/// <summary>Reads a stream on a background task, keeps what arrives and lets a test wait for an item or for the end.</summary>
internal sealed class StreamCollector<T> : IAsyncDisposable
{
    private readonly List<T> _items = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task _pump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamCollector(Func<CancellationToken, IAsyncEnumerable<T>> subscribe, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in subscribe(_stop.Token))
                {
                    lock (_items)
                    {
                        _items.Add(item);
                    }

                    Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
            finally
            {
                _changed.TrySetResult();
            }
        });
    }

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    /// <summary>The task that completes when the stream ends (and faults if it failed).</summary>
    public Task Completion => _pump;

    /// <summary>Waits until an item matches, failing after the timeout with what arrived.</summary>
    public async Task<TItem> WaitForAsync<TItem>(Func<TItem, bool>? match = null, TimeSpan? timeout = null)
        where TItem : T
    {
        var deadline = DateTime.UtcNow + (timeout ?? RuntimeServer.Timeout);
        while (true)
        {
            var changed = _changed.Task;
            if (Items.OfType<TItem>().FirstOrDefault(i => match?.Invoke(i) ?? true) is { } found)
            {
                return found;
            }

            if (_pump.IsCompleted)
            {
                await _pump;
                throw new InvalidOperationException($"The stream ended without a matching {typeof(TItem).Name}. Got: {Describe()}");
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching {typeof(TItem).Name} arrived. Got: {Describe()}");
            }

            await Task.WhenAny(changed, Task.Delay(left, TestContext.Current.CancellationToken));
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
            // How the stream ended no longer matters once the test is done with it.
        }

        _stop.Dispose();
    }

    private string Describe() => string.Join(", ", Items.Select(i => i is Events.SessionEvent e ? $"{e.Seq}:{e.GetType().Name}" : i?.ToString()));
}
