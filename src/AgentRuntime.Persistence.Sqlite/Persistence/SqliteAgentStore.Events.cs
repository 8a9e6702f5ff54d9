using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Microsoft.Data.Sqlite;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
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
        var typeNames = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(events[i], nameof(events));
            typeNames[i] = EventTypeNames.TryGetValue(events[i].GetType(), out var name)
                ? name
                : throw new ArgumentException($"'{events[i].GetType().Name}' is not a registered session event type.", nameof(events));
        }

        await using var connection = await OpenAsync(cancellationToken);

        // BEGIN IMMEDIATE holds the write lock from the MAX(seq) read to the commit, so two appends cannot both
        // number from the same last seq; a concurrent writer waits on the busy timeout.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);

        await using var last = CreateCommand(connection, transaction, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = $id;");
        last.Parameters.AddWithValue("$id", sessionId);
        var seq = (long)(await last.ExecuteScalarAsync(cancellationToken))!;

        await using var insert = CreateCommand(connection, transaction,
            "INSERT INTO events (session_id, seq, type, timestamp, payload) VALUES ($id, $seq, $type, $timestamp, $payload);");
        insert.Parameters.AddWithValue("$id", sessionId);
        var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
        var typeParameter = insert.Parameters.Add("$type", SqliteType.Text);
        var timestampParameter = insert.Parameters.Add("$timestamp", SqliteType.Text);
        var payloadParameter = insert.Parameters.Add("$payload", SqliteType.Text);

        var stamped = new SessionEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] with { Seq = ++seq, SessionId = sessionId };
            seqParameter.Value = e.Seq;
            typeParameter.Value = typeNames[i];
            timestampParameter.Value = FormatTimestamp(e.Timestamp);
            payloadParameter.Value = JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            stamped[i] = e;
        }

        await transaction.CommitAsync(cancellationToken);
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
}
