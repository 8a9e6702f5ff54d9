namespace AgentRuntime.Persistence.Sqlite;

/// <summary>
/// The database schema as an ordered list of migrations. <c>schema_version</c> records how many have been applied;
/// a later change appends a migration here and never edits an applied one.
/// </summary>
internal static class SqliteSchema
{
    public const string CreateVersionTable = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT;";

    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: the initial schema. Timestamps are ISO-8601 round-trip ("O") text so they come back with the same
        // ticks and offset; last_activity_utc_ticks exists only to order sessions across offsets.
        """
        CREATE TABLE sessions (
            session_id TEXT NOT NULL PRIMARY KEY,
            architecture TEXT NOT NULL,
            agent_profile_ref TEXT NOT NULL,
            name TEXT,
            created_at TEXT NOT NULL,
            last_activity TEXT NOT NULL,
            last_activity_utc_ticks INTEGER NOT NULL,
            sandbox_restart_count INTEGER NOT NULL,
            sandbox_start_count INTEGER NOT NULL,
            metadata TEXT NOT NULL
        ) STRICT;

        CREATE INDEX sessions_by_last_activity ON sessions (last_activity_utc_ticks DESC, session_id);

        CREATE TABLE events (
            session_id TEXT NOT NULL REFERENCES sessions (session_id),
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) STRICT;

        CREATE TABLE transcript_chunks (
            session_id TEXT NOT NULL REFERENCES sessions (session_id),
            path TEXT NOT NULL,
            chunk_index INTEGER NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (session_id, path, chunk_index)
        ) STRICT;

        CREATE TABLE workspace_files (
            session_id TEXT NOT NULL REFERENCES sessions (session_id),
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            hash TEXT NOT NULL,
            modified_at TEXT NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (session_id, path)
        ) STRICT;

        CREATE TABLE profiles (
            id TEXT NOT NULL PRIMARY KEY,
            json TEXT NOT NULL
        ) STRICT;
        """,
    ];
}
