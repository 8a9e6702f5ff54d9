using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Microsoft.Data.Sqlite;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
{
    public async Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken) =>
        (await AppendEventBatchesAsync([new EventBatch(sessionId, events)], cancellationToken))[0];

    public async Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var typeNames = new string[batches.Count][];
        for (var b = 0; b < batches.Count; b++)
        {
            ArgumentNullException.ThrowIfNull(batches[b], nameof(batches));
            ArgumentException.ThrowIfNullOrEmpty(batches[b].SessionId, nameof(batches));
            typeNames[b] = StoredEventTypes.NamesOf(batches[b].Events);
        }

        await using var connection = await OpenAsync(cancellationToken);

        // BEGIN IMMEDIATE holds the write lock from the MAX(seq) reads to the commit, so two appends cannot both
        // number from the same last seq; a concurrent writer waits on the busy timeout. One transaction for every
        // batch: one commit (one fsync of the WAL) however many sessions they come from.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var last = CreateCommand(connection, transaction, "SELECT MAX(seq) FROM events WHERE session_id = $id;");
        var lastId = last.Parameters.Add("$id", SqliteType.Text);
        await using var insert = CreateCommand(connection, transaction,
            "INSERT INTO events (session_id, seq, type, timestamp, payload) VALUES ($id, $seq, $type, $timestamp, $payload);");
        var idParameter = insert.Parameters.Add("$id", SqliteType.Text);
        var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
        var typeParameter = insert.Parameters.Add("$type", SqliteType.Text);
        var timestampParameter = insert.Parameters.Add("$timestamp", SqliteType.Text);
        var payloadParameter = insert.Parameters.Add("$payload", SqliteType.Text);

        var lastSeqs = new Dictionary<string, long>(StringComparer.Ordinal);
        var numbered = new IReadOnlyList<SessionEvent>[batches.Count];
        for (var b = 0; b < batches.Count; b++)
        {
            var (sessionId, events) = (batches[b].SessionId, batches[b].Events);
            if (!lastSeqs.TryGetValue(sessionId, out var seq))
            {
                await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);
                lastId.Value = sessionId;
                seq = await last.ExecuteScalarAsync(cancellationToken) is long stored ? stored : 0;
            }

            idParameter.Value = sessionId;
            var stamped = new SessionEvent[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i] with { Seq = ++seq, SessionId = sessionId };
                seqParameter.Value = e.Seq;
                typeParameter.Value = typeNames[b][i];
                timestampParameter.Value = FormatTimestamp(e.Timestamp);
                payloadParameter.Value = JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                stamped[i] = e;
            }

            lastSeqs[sessionId] = seq;
            numbered[b] = stamped;
        }

        await transaction.CommitAsync(cancellationToken);
        return numbered;
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
