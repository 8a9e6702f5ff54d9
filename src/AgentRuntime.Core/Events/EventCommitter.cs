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
/// <remarks>
/// Each batch goes to the store with the last seq its log expects (<see cref="EventBatch.ExpectedLastSeq"/>), taken here
/// as it is committed: the log's last seq as stored and published so far, plus the batches of the same log before it in
/// this commit. Taken at commit rather than at queueing, a batch that failed for any other reason (the store down for a
/// moment) leaves nothing for the log's later batches to be wrong about. A batch the store refuses because the log moved
/// on without this writer fences its log (<see cref="SessionEventLog.IsFenced"/>): its later batches are refused here
/// without reaching the store.
/// </remarks>
internal sealed class EventCommitter : IAsyncDisposable
{
    /// <summary>The most events one commit carries; a larger backlog goes in the next commits.</summary>
    public const int MaxEventsPerCommit = 4096;

    private readonly IAgentStore _store;
    private readonly Diagnostics.RuntimeTelemetry _metrics;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    // The commit loop's own: where each log of the commit being built expects its next batch to start.
    private readonly Dictionary<SessionEventLog, long> _expected = [];

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
    /// Queues a batch of <paramref name="log"/>'s; the log publishes it numbered once it is durable (on the commit loop),
    /// and the task completes after that. A batch whose session is gone, or whose log the store refuses
    /// (<see cref="EventLogConflictException"/>), fails alone.
    /// </summary>
    public Task<IReadOnlyList<SessionEvent>> AppendAsync(SessionEventLog log, IReadOnlyList<SessionEvent> events)
    {
        var pending = new Pending(log, events);
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
                events += pending.Events.Count;
            }

            await CommitAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private async Task CommitAsync(IReadOnlyList<Pending> queued)
    {
        var batch = WithoutFenced(queued);
        if (batch.Count == 0)
        {
            return;
        }

        IReadOnlyList<IReadOnlyList<SessionEvent>> numbered;
        try
        {
            numbered = await _store.AppendEventBatchesAsync(Batches(batch), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // All or nothing failed: one session deleted meanwhile, or one log another writer moved on, must not fail the
            // others, so each goes on its own (a batch behind a refused one of its log finds the log fenced by then).
            foreach (var pending in batch)
            {
                await CommitAsync([pending]).ConfigureAwait(false);
            }

            return;
        }
        catch (EventLogConflictException conflict)
        {
            batch[0].Log.Fence(conflict);
            batch[0].Completion.TrySetException(conflict);
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
                batch[i].Log.Publish(numbered[i]);
                batch[i].Completion.TrySetResult(numbered[i]);
            }
            catch (Exception ex)
            {
                batch[i].Completion.TrySetException(ex);
            }
        }
    }

    // The batches refused without a trip to the store, because their log is fenced, fail here; the rest go on.
    private static IReadOnlyList<Pending> WithoutFenced(IReadOnlyList<Pending> queued)
    {
        List<Pending>? live = null;
        for (var i = 0; i < queued.Count; i++)
        {
            if (queued[i].Log.Refusal() is { } refusal)
            {
                live ??= [.. queued.Take(i)];
                queued[i].Completion.TrySetException(refusal);
            }
            else
            {
                live?.Add(queued[i]);
            }
        }

        return live ?? queued;
    }

    // Each batch expects its log's last seq as published, moved on by the batches of that log before it in this commit.
    private EventBatch[] Batches(IReadOnlyList<Pending> batch)
    {
        var batches = new EventBatch[batch.Count];
        if (batch.Count == 1)
        {
            batches[0] = new EventBatch(batch[0].Log.SessionId, batch[0].Log.LastSeq, batch[0].Events);
            return batches;
        }

        _expected.Clear();
        for (var i = 0; i < batches.Length; i++)
        {
            var (log, events) = (batch[i].Log, batch[i].Events);
            var expected = _expected.TryGetValue(log, out var next) ? next : log.LastSeq;
            batches[i] = new EventBatch(log.SessionId, expected, events);
            _expected[log] = expected + events.Count;
        }

        _expected.Clear();
        return batches;
    }

    private sealed record Pending(SessionEventLog Log, IReadOnlyList<SessionEvent> Events)
    {
        public TaskCompletionSource<IReadOnlyList<SessionEvent>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
