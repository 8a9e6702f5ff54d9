using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Microsoft.Data.Sqlite;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
{
    private readonly LastSeqCache _lastSeqs = new();

    public async Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken) =>
        (await AppendEventBatchesAsync([new EventBatch(sessionId, expectedLastSeq, events)], cancellationToken))[0];

    public async Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var typeNames = new string[batches.Count][];
        for (var b = 0; b < batches.Count; b++)
        {
            ArgumentNullException.ThrowIfNull(batches[b], nameof(batches));
            ArgumentException.ThrowIfNullOrEmpty(batches[b].SessionId, nameof(batches));
            ArgumentOutOfRangeException.ThrowIfNegative(batches[b].ExpectedLastSeq, nameof(batches));
            typeNames[b] = StoredEventTypes.NamesOf(batches[b].Events);
        }

        try
        {
            return await AppendEventBatchesCoreAsync(batches, typeNames, trustLastSeqs: true, cancellationToken);
        }
        catch (StaleLastSeqException)
        {
            // Another writer (a second store on the file, a delete) moved a log on: number these from the file itself.
            _lastSeqs.Forget(batches);
            return await AppendEventBatchesCoreAsync(batches, typeNames, trustLastSeqs: false, cancellationToken);
        }
        catch
        {
            _lastSeqs.Forget(batches);
            throw;
        }
    }

    private async Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesCoreAsync(
        IReadOnlyList<EventBatch> batches, string[][] typeNames, bool trustLastSeqs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // BEGIN IMMEDIATE holds the write lock from the MAX(seq) reads to the commit, so two appends cannot both
        // number from the same last seq, nor both find the log at the last seq they expect: the check and the append
        // are one step, and a concurrent writer waits on the busy timeout. One transaction for every batch: one commit
        // (one fsync of the WAL) however many sessions they come from.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var last = CreateCommand(connection, transaction, "SELECT MAX(seq) FROM events WHERE session_id = $id;");
        var lastId = last.Parameters.Add("$id", SqliteType.Text);
        using var insert = new EventInsert(connection, InsertEvent);
        using var insertAfter = new EventInsert(connection, InsertEventAfterItsPredecessor);
        var payload = new ArrayBufferWriter<byte>(1024);
        await using var payloadWriter = new Utf8JsonWriter(payload, PayloadWriterOptions);

        var lastSeqs = new Dictionary<string, long>(StringComparer.Ordinal);
        var numbered = new IReadOnlyList<SessionEvent>[batches.Count];
        for (var b = 0; b < batches.Count; b++)
        {
            var (sessionId, expected, events) = (batches[b].SessionId, batches[b].ExpectedLastSeq, batches[b].Events);
            // A log this store numbered last, to the seq the writer expects, needs neither the session's check nor its
            // MAX(seq): the first insert checks all three at once (its predecessor is there, so the session is and the
            // log reaches the expected seq; the primary key refuses a seq that is taken, so it goes no further). An empty
            // batch has no insert to check anything, and a remembered seq that is not the expected one proves nothing
            // (another store on the file may have moved the log), so those ask.
            var guarded = false;
            if (!lastSeqs.TryGetValue(sessionId, out var seq))
            {
                if (trustLastSeqs && events.Count > 0 && _lastSeqs.TryGet(sessionId, out seq) && seq == expected)
                {
                    guarded = true;
                }
                else
                {
                    await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);
                    lastId.Value = sessionId;
                    seq = await last.ExecuteScalarAsync(cancellationToken) is long stored ? stored : 0;
                }
            }

            if (seq != expected)
            {
                // Under the write lock: the log really ends there, and the transaction, not committed, keeps nothing.
                throw new EventLogConflictException(sessionId, expected, seq);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var sessionIdUtf8 = events.Count > 0 ? Encoding.UTF8.GetBytes(sessionId) : [];
            var stamped = new SessionEvent[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i] with { Seq = ++seq, SessionId = sessionId };
                payload.ResetWrittenCount();
                payloadWriter.Reset(payload);
                JsonSerializer.Serialize(payloadWriter, e, AgentRuntimeJsonContext.Default.SessionEvent);
                payloadWriter.Flush();
                var command = guarded && i == 0 ? insertAfter : insert;
                bool inserted;
                try
                {
                    inserted = command.Run(sessionIdUtf8, e.Seq, typeNames[b][i], e.Timestamp, payload.WrittenSpan);
                }
                catch (SqliteException ex) when (guarded && i == 0 && ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT)
                {
                    throw new StaleLastSeqException(); // The seq is taken: another writer appended meanwhile.
                }

                if (!inserted)
                {
                    throw new StaleLastSeqException(); // No predecessor: the log was deleted or is shorter.
                }

                stamped[i] = e;
            }

            lastSeqs[sessionId] = seq;
            numbered[b] = stamped;
        }

        await transaction.CommitAsync(cancellationToken);
        _lastSeqs.Remember(lastSeqs);
        return numbered;
    }

    // What JsonSerializer.Serialize(e, context) writes with, so the payload is the JSON it always was.
    private static readonly JsonWriterOptions PayloadWriterOptions = new()
    {
        Encoder = AgentRuntimeJsonContext.Default.Options.Encoder,
        Indented = AgentRuntimeJsonContext.Default.Options.WriteIndented,
        MaxDepth = AgentRuntimeJsonContext.Default.Options.MaxDepth,
        SkipValidation = true,
    };

    private const string InsertEvent =
        "INSERT INTO events (session_id, seq, type, timestamp, payload) VALUES ($id, $seq, $type, $timestamp, $payload);";

    // The first event numbered from a remembered last seq goes in only after the event before it: a log deleted (and
    // perhaps made again) since then has no such event, and nothing is inserted.
    private const string InsertEventAfterItsPredecessor = """
        INSERT INTO events (session_id, seq, type, timestamp, payload)
        SELECT $id, $seq, $type, $timestamp, $payload
        WHERE EXISTS (SELECT 1 FROM events WHERE session_id = $id AND seq = $seq - 1);
        """;

    public IAsyncEnumerable<SessionEvent> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken)
    {
        // Validated here rather than in the iterator, so bad arguments fail at the call and not at the first MoveNext.
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        return ReadEventsCoreAsync(sessionId, afterSeq, cancellationToken);
    }

    private async IAsyncEnumerable<SessionEvent> ReadEventsCoreAsync(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            "SELECT payload FROM events WHERE session_id = $id AND seq > $after ORDER BY seq;");
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return JsonSerializer.Deserialize(reader.GetString(0), AgentRuntimeJsonContext.Default.SessionEvent)
                ?? throw new InvalidDataException($"Event payload of session '{sessionId}' is the JSON null.");
        }
    }

    public async Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = $id;");
        command.Parameters.AddWithValue("$id", sessionId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A remembered last seq no longer matched the file; the append is made again from the file.</summary>
    private sealed class StaleLastSeqException : Exception;
}
