using System.Threading.Channels;
using AgentRuntime.Persistence;

namespace AgentRuntime.Events;

/// <summary>
/// The group commit: the one writer of every session's events. Appends queue here from all sessions; one loop takes
/// whatever has queued while the previous commit ran (up to <see cref="MaxEventsPerCommit"/>), appends it all in one
/// store transaction, and only then publishes each batch, in queue order, through the callback its appender gave.
/// Under load many sessions share one durable write; with one session streaming, each commit carries whatever that
/// session produced meanwhile. An event is published only once it is durable, and one session's batches are
/// published in the order they were queued, so subscribers see every event once, in order.
/// </summary>
internal sealed class EventCommitter : IAsyncDisposable
{
    /// <summary>The most events one commit carries; a larger backlog goes in the next commits.</summary>
    public const int MaxEventsPerCommit = 4096;

    private readonly IAgentStore _store;
    private readonly Diagnostics.RuntimeTelemetry _metrics;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public EventCommitter(IAgentStore store, Diagnostics.RuntimeTelemetry? metrics = null)
    {
        _store = store;
        _metrics = metrics ?? Diagnostics.RuntimeTelemetry.Unscoped;
        // The commit loop serves every session: it must not carry the span or log scopes of whoever made it.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>
    /// Queues a batch; <paramref name="publish"/> is called with it numbered once it is durable (on the commit loop: it
    /// must be quick and must not throw), and the task completes after that. A batch whose session is gone fails alone.
    /// </summary>
    public Task<IReadOnlyList<SessionEvent>> AppendAsync(string sessionId, IReadOnlyList<SessionEvent> events, Action<IReadOnlyList<SessionEvent>> publish)
    {
        var pending = new Pending(new EventBatch(sessionId, events), publish);
        return _queue.Writer.TryWrite(pending)
            ? pending.Completion.Task
            : Task.FromException<IReadOnlyList<SessionEvent>>(new ObjectDisposedException(nameof(EventCommitter), "The runtime is shutting down."));
    }

    /// <summary>Commits what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var events = 0;
            while (events < MaxEventsPerCommit && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                events += pending.Batch.Events.Count;
            }

            await CommitAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private async Task CommitAsync(IReadOnlyList<Pending> batch)
    {
        IReadOnlyList<IReadOnlyList<SessionEvent>> numbered;
        try
        {
            var batches = new EventBatch[batch.Count];
            for (var i = 0; i < batches.Length; i++)
            {
                batches[i] = batch[i].Batch;
            }

            numbered = await _store.AppendEventBatchesAsync(batches, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // All or nothing failed: one session deleted meanwhile must not fail the others, so each goes on its own.
            foreach (var pending in batch)
            {
                await CommitAsync([pending]).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            // Counted once durable and before anyone sees them, so a reader of the metric never lags a subscriber.
            _metrics.EventsAppended.Add(numbered[i].Count);
            try
            {
                batch[i].Publish(numbered[i]);
                batch[i].Completion.TrySetResult(numbered[i]);
            }
            catch (Exception ex)
            {
                batch[i].Completion.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(EventBatch Batch, Action<IReadOnlyList<SessionEvent>> Publish)
    {
        public TaskCompletionSource<IReadOnlyList<SessionEvent>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
