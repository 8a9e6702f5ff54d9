using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentRuntime.Persistence.Sqlite;

/// <summary>
/// One event row's INSERT, prepared once for a commit and run through SQLite's own API for each event. A commit inserts
/// hundreds of rows, and through <see cref="SqliteCommand"/> each cost a data reader, a binder per parameter and a
/// UTF-8 copy of every text value; here the values are bound from spans (SQLite copies them) and nothing is allocated
/// per row. It runs on the connection's handle, so it is part of the connection's open transaction.
/// </summary>
internal sealed class EventInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int _id;
    private readonly int _seq;
    private readonly int _type;
    private readonly int _timestamp;
    private readonly int _payload;

    /// <summary>Prepares <c>sql</c>, an INSERT with the parameters <c>$id</c>, <c>$seq</c>, <c>$type</c>, <c>$timestamp</c> and <c>$payload</c>.</summary>
    public EventInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
        _id = Index("$id");
        _seq = Index("$seq");
        _type = Index("$type");
        _timestamp = Index("$timestamp");
        _payload = Index("$payload");
    }

    /// <summary>
    /// Inserts one row (the session's id and the event's JSON in UTF-8); false when the statement's own condition kept
    /// it out. A constraint's refusal throws, as <see cref="SqliteCommand"/> would.
    /// </summary>
    public bool Run(ReadOnlySpan<byte> sessionId, long seq, string type, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        // Round-trip ("O") text, as StoredRecords.FormatTimestamp writes it: 33 ASCII bytes at most.
        Span<byte> time = stackalloc byte[48];
        if (!timestamp.TryFormat(time, out var timeLength, "O", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"The timestamp {timestamp:O} did not fit its buffer.");
        }

        Span<byte> typeUtf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(type.Length)];
        var typeLength = Encoding.UTF8.GetBytes(type, typeUtf8);

        Check(raw.sqlite3_bind_text(_statement, _id, sessionId));
        Check(raw.sqlite3_bind_int64(_statement, _seq, seq));
        Check(raw.sqlite3_bind_text(_statement, _type, typeUtf8[..typeLength]));
        Check(raw.sqlite3_bind_text(_statement, _timestamp, time[..timeLength]));
        Check(raw.sqlite3_bind_text(_statement, _payload, payload));
        var rc = raw.sqlite3_step(_statement);
        try
        {
            // The message is the connection's last error: read it before the reset, which runs no statement.
            Check(rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc);
            return raw.sqlite3_changes(_db) > 0;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private int Index(string name)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        return index > 0 ? index : throw new ArgumentException($"The statement has no parameter {name}.", nameof(name));
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
