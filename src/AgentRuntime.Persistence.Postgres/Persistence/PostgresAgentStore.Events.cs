using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Npgsql;

namespace AgentRuntime.Persistence.Postgres;

internal sealed partial class PostgresAgentStore
{
    // The events table keeps each event's wire discriminator in its own column so the log can be queried by type
    // without parsing payloads; the names come from the [JsonDerivedType] attributes, the one place they are declared.
    private static readonly FrozenDictionary<Type, string> EventTypeNames =
        (AgentRuntimeJsonContext.Default.SessionEvent.PolymorphismOptions
            ?? throw new InvalidOperationException("SessionEvent has no polymorphism metadata."))
        .DerivedTypes
        .ToFrozenDictionary(d => d.DerivedType, d => (string)d.TypeDiscriminator!);

    public async Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(events);
        var count = events.Count;
        var types = new string[count];
        for (var i = 0; i < count; i++)
        {
            ArgumentNullException.ThrowIfNull(events[i], nameof(events));
            types[i] = EventTypeNames.TryGetValue(events[i].GetType(), out var name)
                ? name
                : throw new ArgumentException($"'{events[i].GetType().Name}' is not a registered session event type.", nameof(events));
        }

        if (count == 0)
        {
            await EnsureSessionExistsAsync(sessionId, cancellationToken).ConfigureAwait(false);
            return [];
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Reserves seqs last + 1 .. last + count. The UPDATE locks the session's row until the commit, so a concurrent
        // append (from this process or another) waits here and then numbers after these; a rollback releases the
        // reservation with the rows, so no gap is left either.
        long last;
        await using (var reserve = new NpgsqlCommand("UPDATE sessions SET last_seq = last_seq + $2 WHERE session_id = $1 RETURNING last_seq;", connection))
        {
            reserve.Parameters.Add(Parameter(sessionId));
            reserve.Parameters.Add(Parameter((long)count));
            last = await reserve.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long l ? l : throw SessionNotFound(sessionId);
        }

        var stamped = new SessionEvent[count];
        var seqs = new long[count];
        var times = new DateTime[count];
        var payloads = new string[count];
        for (var i = 0; i < count; i++)
        {
            var e = events[i] with { Seq = last - count + i + 1, SessionId = sessionId };
            stamped[i] = e;
            seqs[i] = e.Seq;
            times[i] = e.Timestamp.UtcDateTime;
            payloads[i] = JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);
        }

        // One statement for the whole batch: the arrays travel as parameters and unnest back into rows.
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO events (session_id, seq, type, occurred_at, payload)
            SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[]);
            """, connection))
        {
            insert.Parameters.Add(Parameter(sessionId));
            insert.Parameters.Add(Parameter(seqs));
            insert.Parameters.Add(Parameter(types));
            insert.Parameters.Add(Parameter(times));
            insert.Parameters.Add(Parameter(payloads));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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
        await using var command = _dataSource.CreateCommand("SELECT payload FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq;");
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(afterSeq));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return JsonSerializer.Deserialize(reader.GetString(0), AgentRuntimeJsonContext.Default.SessionEvent)
                ?? throw new InvalidDataException($"Event payload of session '{sessionId}' is the JSON null.");
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
