using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Npgsql;

namespace AgentRuntime.Persistence.Postgres;

internal sealed partial class PostgresAgentStore
{
    public async Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLastSeq);
        var types = StoredEventTypes.NamesOf(events);
        if (events.Count == 0)
        {
            // Nothing is written, so a read is as good as a lock: the log ended there when it was read.
            await using var read = _dataSource.CreateCommand(LastSeqQuery);
            read.Parameters.Add(Parameter(sessionId));
            return Refusal(sessionId, expectedLastSeq, await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) is { } refusal ? throw refusal : [];
        }

        // One statement is its own transaction: no BEGIN/COMMIT round trips for the common single batch.
        await using var command = _dataSource.CreateCommand(AppendStatement);
        AddAppendParameters(command.Parameters, sessionId, expectedLastSeq, events, types);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long last)
        {
            return Numbered(sessionId, events, last);
        }

        // Nothing was appended: say why (the log may have moved on again since; the refusal stands either way).
        await using var why = _dataSource.CreateCommand(LastSeqQuery);
        why.Parameters.Add(Parameter(sessionId));
        throw Refusal(sessionId, expectedLastSeq, await why.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), refused: true)!;
    }

    public async Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var types = new string[batches.Count][];
        for (var b = 0; b < batches.Count; b++)
        {
            ArgumentNullException.ThrowIfNull(batches[b], nameof(batches));
            ArgumentException.ThrowIfNullOrEmpty(batches[b].SessionId, nameof(batches));
            ArgumentOutOfRangeException.ThrowIfNegative(batches[b].ExpectedLastSeq, nameof(batches));
            types[b] = StoredEventTypes.NamesOf(batches[b].Events);
        }

        if (batches.Count == 1)
        {
            return [await AppendEventsAsync(batches[0].SessionId, batches[0].ExpectedLastSeq, batches[0].Events, cancellationToken).ConfigureAwait(false)];
        }

        // Every batch's statement in one round trip and one transaction: one commit for all of them.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        for (var b = 0; b < batches.Count; b++)
        {
            var command = new NpgsqlBatchCommand(batches[b].Events.Count == 0 ? LastSeqQuery : AppendStatement);
            if (batches[b].Events.Count == 0)
            {
                command.Parameters.Add(Parameter(batches[b].SessionId));
            }
            else
            {
                AddAppendParameters(command.Parameters, batches[b].SessionId, batches[b].ExpectedLastSeq, batches[b].Events, types[b]);
            }

            batch.BatchCommands.Add(command);
        }

        var numbered = new IReadOnlyList<SessionEvent>[batches.Count];
        var refused = -1;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var b = 0; b < batches.Count && refused < 0; b++)
            {
                if (b > 0)
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                // No row back means no session or a log that does not end at the expected seq: nothing of the whole
                // list is kept. An empty batch's row is the log's last seq, which it checks here.
                var found = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (!found || (batches[b].Events.Count == 0 && reader.GetInt64(0) != batches[b].ExpectedLastSeq))
                {
                    refused = b;
                }
                else
                {
                    numbered[b] = Numbered(batches[b].SessionId, batches[b].Events, reader.GetInt64(0));
                }
            }
        }

        if (refused >= 0)
        {
            // Asked inside the transaction, so the answer counts the batches before this one, as its expected seq does;
            // the transaction is then rolled back, unused.
            await using var why = new NpgsqlCommand(LastSeqQuery, connection, transaction);
            why.Parameters.Add(Parameter(batches[refused].SessionId));
            throw Refusal(batches[refused].SessionId, batches[refused].ExpectedLastSeq, await why.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), refused: true)!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return numbered;
    }

    private const string LastSeqQuery = "SELECT last_seq FROM sessions WHERE session_id = $1;";

    // Why an append expecting expectedLastSeq is refused, from a read of the session's last_seq: no such session, or a
    // log that ends elsewhere; null when it is not. An append that was refused already stays refused when the read finds
    // the expected seq (the session was deleted and made again in between): a conflict all the same.
    private static Exception? Refusal(string sessionId, long expectedLastSeq, object? lastSeq, bool refused = false) => lastSeq switch
    {
        not long => SessionNotFound(sessionId),
        long last when last != expectedLastSeq || refused => new EventLogConflictException(sessionId, expectedLastSeq, last),
        _ => null,
    };

    // The payload is the event without its number and session, which are columns: it can then be written before the
    // number is known, and a batch is one statement. The UPDATE reserves last + 1 .. last + count only if the log ends at
    // the seq the writer expects ($5), and locks the session's row until the commit: a concurrent append (from this
    // process or another) waits, then finds last_seq moved (PostgreSQL checks the WHERE again on the row it waited for)
    // and updates nothing, so of two writers expecting one seq exactly one appends, and the other gets no row back. A
    // failed append rolls back its reservation with its rows, so no gap is left either. A data-modifying WITH runs to
    // completion whether or not the outer SELECT reads it.
    private const string AppendStatement = """
        WITH reserved AS (
            UPDATE sessions SET last_seq = last_seq + cardinality($2::text[]) WHERE session_id = $1 AND last_seq = $5 RETURNING last_seq
        ), inserted AS (
            INSERT INTO events (session_id, seq, type, occurred_at, payload)
            SELECT $1, reserved.last_seq - cardinality($2::text[]) + e.ordinal, e.type, e.occurred_at, e.payload
            FROM reserved, unnest($2::text[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS e (type, occurred_at, payload, ordinal)
        )
        SELECT last_seq FROM reserved;
        """;

    private static void AddAppendParameters(NpgsqlParameterCollection parameters, string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, string[] types)
    {
        var times = new DateTime[events.Count];
        var payloads = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            times[i] = events[i].Timestamp.UtcDateTime;
            payloads[i] = JsonSerializer.Serialize(events[i] with { Seq = 0, SessionId = "" }, AgentRuntimeJsonContext.Default.SessionEvent);
        }

        parameters.Add(Parameter(sessionId));
        parameters.Add(Parameter(types));
        parameters.Add(Parameter(times));
        parameters.Add(Parameter(payloads));
        parameters.Add(Parameter(expectedLastSeq));
    }

    private static SessionEvent[] Numbered(string sessionId, IReadOnlyList<SessionEvent> events, long last)
    {
        var stamped = new SessionEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            stamped[i] = events[i] with { Seq = last - events.Count + i + 1, SessionId = sessionId };
        }

        return stamped;
    }

    public IAsyncEnumerable<SessionEvent> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken)
    {
        // Validated here rather than in the iterator, so bad arguments fail at the call and not at the first MoveNext.
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        return ReadEventsCoreAsync(sessionId, afterSeq, cancellationToken);
    }

    private async IAsyncEnumerable<SessionEvent> ReadEventsCoreAsync(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One statement, so one snapshot: the rows stream in as the consumer reads and never show half an append.
        await using var command = _dataSource.CreateCommand("SELECT seq, payload FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq;");
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(afterSeq));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var e = JsonSerializer.Deserialize(reader.GetString(1), AgentRuntimeJsonContext.Default.SessionEvent)
                ?? throw new InvalidDataException($"Event payload of session '{sessionId}' is the JSON null.");
            yield return e with { Seq = reader.GetInt64(0), SessionId = sessionId };
        }
    }

    public async Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var command = _dataSource.CreateCommand("SELECT last_seq FROM sessions WHERE session_id = $1;");
        command.Parameters.Add(Parameter(sessionId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long last ? last : 0;
    }
}
