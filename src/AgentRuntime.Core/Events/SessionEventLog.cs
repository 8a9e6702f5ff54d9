using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Sessions;

namespace AgentRuntime.Events;

/// <summary>
/// One session's event log in memory: appends go to the store first, through the group commit (which numbers them and
/// makes them durable together with other sessions'), then into the session's projection and out to every live
/// subscriber. A subscriber's backlog snapshot is taken under the same lock that publishes events, so the seam between
/// replayed and live events has no gap and no duplicate.
/// </summary>
/// <remarks>
/// <para>
/// The log is its session's one writer, and the store makes sure of it: every batch goes with the last seq this log
/// expects the stored log to end at (its own last seq, as loaded and appended since; the committer adds the batches
/// ahead of it), and the store appends it only if the log ends there. Another writer of the session (a second node
/// holding it after a split, or a node declared dead that still runs) makes the store refuse this log's next batch with
/// <see cref="EventLogConflictException"/>, with nothing of it stored.
/// </para>
/// <para>
/// That refusal fences the log for good: the batch fails with the exception, and so does every later append (queued
/// already or not), without reaching the store; nothing more is appended or published here, and the live subscriptions
/// end as at <see cref="Close"/>.
/// <paramref name="fenced"/> is called once, when that happens (on the commit loop: it must be quick and must not
/// throw), so that the owner stops writing: the session's actor ends its turn without logging it and can be unloaded.
/// The other writer's events are in the store, for whoever loads the session next.
/// </para>
/// </remarks>
internal sealed class SessionEventLog(string sessionId, IAgentStore store, EventCommitter committer, TimeProvider time, int subscriberCapacity = 10_000, Action? fenced = null)
{
    private readonly Lock _queueing = new();
    private readonly Lock _sync = new();
    private readonly List<Channel<SessionEvent>> _subscribers = [];
    private readonly ConversationProjection _projection = new();
    private bool _closed;
    private Exception? _closedBecause;
    private volatile EventLogConflictException? _conflict;

    /// <summary>The session whose log this is.</summary>
    public string SessionId => sessionId;

    /// <summary>
    /// Whether the store refused one of this log's appends because another writer appended to the session's log: every
    /// append fails since, with <see cref="EventLogConflictException"/>.
    /// </summary>
    public bool IsFenced => _conflict is not null;

    /// <summary>The last sequence number appended.</summary>
    public long LastSeq
    {
        get
        {
            lock (_sync)
            {
                return _projection.LastSeq;
            }
        }
    }

    /// <summary>How many subscriptions are open.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_sync)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>The last turn the loaded log holds, and whether it ended; null when it holds none.</summary>
    public (string TurnId, bool Ended)? LastTurnAtLoad { get; private set; }

    /// <summary>Rebuilds the projection from the stored log. Called once, before the log is used.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await foreach (var e in store.ReadEventsAsync(sessionId, 0, cancellationToken).ConfigureAwait(false))
        {
            _projection.Apply(e);
            LastTurnAtLoad = e switch
            {
                TurnStartedEvent started => (started.TurnId, false),
                TurnCompletedEvent completed => (completed.TurnId, true),
                TurnFailedEvent failed => (failed.TurnId, true),
                _ => LastTurnAtLoad,
            };
        }
    }

    /// <summary>Appends events in order and publishes them; returns them numbered.</summary>
    public async Task<IReadOnlyList<SessionEvent>> AppendAsync(IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return events;
        }

        // A span per batch, never per event, and none at all while nobody listens: this is the event path.
        using var activity = RuntimeTelemetry.Source.HasListeners() ? StartAppendActivity(events.Count) : null;

        // Stamped and queued under one lock, so this log's batches reach the committer in the order of their
        // timestamps; the committer keeps that order through the store and the publish. Once queued, a batch is
        // committed even if the caller stops waiting.
        Task<IReadOnlyList<SessionEvent>> appended;
        lock (_queueing)
        {
            if (Refusal() is { } refusal)
            {
                throw refusal;
            }

            var now = time.GetUtcNow();
            var stamped = new SessionEvent[events.Count];
            for (var i = 0; i < stamped.Length; i++)
            {
                stamped[i] = events[i] with { Timestamp = now };
            }

            appended = committer.AppendAsync(this, stamped);
        }

        try
        {
            var numbered = await appended.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(AgentRuntimeTelemetry.Tags.FirstSeq, numbered[0].Seq);
                activity.SetTag(AgentRuntimeTelemetry.Tags.LastSeq, numbered[^1].Seq);
            }

            return numbered;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetTag(AgentRuntimeTelemetry.Tags.ErrorType, ex.GetType().Name);
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private Activity? StartAppendActivity(int count)
    {
        var activity = RuntimeTelemetry.Source.StartActivity(AgentRuntimeTelemetry.Names.EventsAppendSpan);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(AgentRuntimeTelemetry.Tags.SessionId, sessionId);
            activity.SetTag(AgentRuntimeTelemetry.Tags.EventCount, count);
        }

        return activity;
    }

    /// <summary>Appends one event.</summary>
    public Task<IReadOnlyList<SessionEvent>> AppendAsync(SessionEvent e, CancellationToken cancellationToken) => AppendAsync([e], cancellationToken);

    /// <summary>Reads a consistent view of the conversation.</summary>
    public T Read<T>(Func<ConversationProjection, T> read)
    {
        lock (_sync)
        {
            return read(_projection);
        }
    }

    /// <summary>The events after <paramref name="afterSeq"/>, then live events until the log closes.</summary>
    public async IAsyncEnumerable<SessionEvent> SubscribeAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SessionEvent>(new BoundedChannelOptions(subscriberCapacity) { SingleReader = true });
        long seam;
        lock (_sync)
        {
            seam = _projection.LastSeq;
            if (_closed)
            {
                channel.Writer.TryComplete(_closedBecause);
            }
            else
            {
                _subscribers.Add(channel);
            }
        }

        try
        {
            // Everything up to the seam is stored already (events are stored before they are published).
            var delivered = afterSeq;
            if (afterSeq < seam)
            {
                await foreach (var e in store.ReadEventsAsync(sessionId, afterSeq, cancellationToken).ConfigureAwait(false))
                {
                    if (e.Seq > seam)
                    {
                        break;
                    }

                    delivered = e.Seq;
                    yield return e;
                }
            }

            // The live events, read here rather than through a nested iterator: this loop runs once per event per
            // subscriber, and each layer of iterator costs a move of its own.
            var reader = channel.Reader;
            while (true)
            {
                try
                {
                    if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (SubscriberLaggedException)
                {
                    throw new SubscriberLaggedException(delivered);
                }

                while (reader.TryRead(out var e))
                {
                    if (e.Seq > delivered)
                    {
                        delivered = e.Seq;
                        yield return e;
                    }
                }
            }
        }
        finally
        {
            lock (_sync)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    /// <summary>Ends every subscription; later subscribers get the stored log only.</summary>
    public void Close(Exception? reason = null)
    {
        lock (_sync)
        {
            _closed = true;
            _closedBecause = reason;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete(reason);
            }

            _subscribers.Clear();
        }
    }

    /// <summary>
    /// Fences the log: the store refused its batch because another writer appended (<paramref name="conflict"/>). Called
    /// by the committer; the first conflict is the one every later append is refused with.
    /// </summary>
    internal void Fence(EventLogConflictException conflict)
    {
        if (Interlocked.CompareExchange(ref _conflict, conflict, null) is null)
        {
            // Nothing more will be published here: live subscribers end, to read the log from the store again.
            Close();
            fenced?.Invoke();
        }
    }

    /// <summary>The exception an append fails with once the log is fenced (its first conflict, afresh); null until then.</summary>
    internal EventLogConflictException? Refusal() =>
        _conflict is { } conflict ? new EventLogConflictException(conflict.SessionId, conflict.ExpectedLastSeq, conflict.ActualLastSeq) : null;

    /// <summary>Applies and publishes a batch the store numbered. Called by the committer, in order, once a batch is durable.</summary>
    internal void Publish(IReadOnlyList<SessionEvent> numbered)
    {
        lock (_sync)
        {
            for (var e = 0; e < numbered.Count; e++)
            {
                _projection.Apply(numbered[e]);
            }

            // The whole batch into one subscriber's channel before the next: a subscriber woken by the first event
            // then finds the rest there too, and sends them in one go.
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var writer = _subscribers[i].Writer;
                for (var e = 0; e < numbered.Count; e++)
                {
                    if (!writer.TryWrite(numbered[e]))
                    {
                        // A full channel means the reader fell behind; dropping it beats holding every event for it forever.
                        writer.TryComplete(new SubscriberLaggedException(0));
                        _subscribers.RemoveAt(i);
                        break;
                    }
                }
            }
        }
    }
}
