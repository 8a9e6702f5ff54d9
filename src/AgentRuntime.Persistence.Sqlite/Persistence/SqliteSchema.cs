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

        // 2: workspace file content moves out of workspace_files into chunk rows of ChunkSize bytes (the last one
        // shorter, a zero-byte file has none), so a file is written and read a chunk at a time and memory no longer
        // grows with its size. version names the saved content; a save writes a new one, and a reader fetches chunks
        // of the version it opened, so a file replaced under it fails the read instead of mixing versions. Existing
        // content is split into chunks here, as version 0. Chunks go with their file (and the file with its session)
        // by ON DELETE CASCADE; the store turns foreign keys on for every connection.
        """
        ALTER TABLE workspace_files ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE workspace_file_chunks (
            session_id TEXT NOT NULL,
            path TEXT NOT NULL,
            chunk_index INTEGER NOT NULL,
            version INTEGER NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (session_id, path, chunk_index),
            FOREIGN KEY (session_id, path) REFERENCES workspace_files (session_id, path) ON DELETE CASCADE
        ) STRICT;

        INSERT INTO workspace_file_chunks (session_id, path, chunk_index, version, content)
        WITH RECURSIVE pieces (session_id, path, chunk_index) AS (
            SELECT session_id, path, 0 FROM workspace_files WHERE length(content) > 0
            UNION ALL
            SELECT p.session_id, p.path, p.chunk_index + 1
            FROM pieces p JOIN workspace_files f ON f.session_id = p.session_id AND f.path = p.path
            WHERE (p.chunk_index + 1) * 1048576 < length(f.content)
        )
        SELECT p.session_id, p.path, p.chunk_index, 0, substr(f.content, p.chunk_index * 1048576 + 1, 1048576)
        FROM pieces p JOIN workspace_files f ON f.session_id = p.session_id AND f.path = p.path;

        ALTER TABLE workspace_files DROP COLUMN content;
        """,

        // 3: tenants and API keys. Every session belongs to a tenant; those made before tenants existed become the
        // default tenant's. A tenant's sessions are listed by the same order as all of them, hence the index. An API key
        // is kept as its id, its tenant, its scopes (a JSON array of strings) and the hash of its secret, never the
        // secret; created_at_utc_ticks orders keys across offsets as last_activity_utc_ticks orders sessions.
        """
        ALTER TABLE sessions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';

        CREATE INDEX sessions_by_tenant_last_activity ON sessions (tenant_id, last_activity_utc_ticks DESC, session_id);

        CREATE TABLE api_keys (
            key_id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT NOT NULL,
            scopes TEXT NOT NULL,
            name TEXT,
            secret_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_at_utc_ticks INTEGER NOT NULL
        ) STRICT;

        CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at_utc_ticks, key_id);
        """,

        // 4: profile versions. Every save that changes a profile adds a row to profile_versions, which are kept (a
        // session runs on the version it started with); profiles holds the latest of each profile that is not deleted,
        // its JSON repeated so that listing reads one table. Deleting a profile removes its profiles row only. Existing
        // profiles become version 1, saved (as far as anyone can tell) at the migration. A session records the version
        // it runs on; those made before versions have none, which means the latest.
        """
        CREATE TABLE profile_versions (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (id, version)
        ) STRICT;

        INSERT INTO profile_versions (id, version, json, created_at)
        SELECT id, 1, json, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.0000000+00:00' FROM profiles;

        ALTER TABLE profiles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

        ALTER TABLE sessions ADD COLUMN agent_profile_version INTEGER;
        """,

        // 5: the provider's id of a session's last sandbox, so that a restarted server re-attaches to one that outlives
        // it (Modal).
        """
        ALTER TABLE sessions ADD COLUMN sandbox_id TEXT;
        """,
    ];

    /// <summary>The size of a workspace file chunk; migration 2 splits existing content by the same number.</summary>
    public const int ChunkSize = 1 << 20;
}
