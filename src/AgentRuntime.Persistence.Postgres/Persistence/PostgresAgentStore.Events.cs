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

        // The payload is the event without its number and session, which are columns: it can then be written before
        // the number is known, and the whole append is one statement, one round trip and one commit. The UPDATE
        // reserves last + 1 .. last + count and locks the session's row until that commit, so a concurrent append
        // (from this process or another) waits and then numbers after these; a failed append rolls back its
        // reservation with its rows, so no gap is left either. No row back means no session.
        var times = new DateTime[count];
        var payloads = new string[count];
        for (var i = 0; i < count; i++)
        {
            times[i] = events[i].Timestamp.UtcDateTime;
            payloads[i] = JsonSerializer.Serialize(events[i] with { Seq = 0, SessionId = "" }, AgentRuntimeJsonContext.Default.SessionEvent);
        }

        // A data-modifying WITH runs to completion whether or not the outer SELECT reads it.
        await using var command = _dataSource.CreateCommand("""
            WITH reserved AS (
                UPDATE sessions SET last_seq = last_seq + cardinality($2::text[]) WHERE session_id = $1 RETURNING last_seq
            ), inserted AS (
                INSERT INTO events (session_id, seq, type, occurred_at, payload)
                SELECT $1, reserved.last_seq - cardinality($2::text[]) + e.ordinal, e.type, e.occurred_at, e.payload
                FROM reserved, unnest($2::text[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS e (type, occurred_at, payload, ordinal)
            )
            SELECT last_seq FROM reserved;
            """);
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(types));
        command.Parameters.Add(Parameter(times));
        command.Parameters.Add(Parameter(payloads));
        var last = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long l ? l : throw SessionNotFound(sessionId);

        var stamped = new SessionEvent[count];
        for (var i = 0; i < count; i++)
        {
            stamped[i] = events[i] with { Seq = last - count + i + 1, SessionId = sessionId };
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
