namespace AgentRuntime.Persistence.Postgres;

/// <summary>
/// The database schema as an ordered list of migrations. <c>schema_version</c> records how many have been applied;
/// a later change appends a migration here and never edits an applied one.
/// </summary>
internal static class PostgresSchema
{
    public const string CreateVersionTable = "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL);";

    // Taken (per database) by InitializeAsync so that several servers starting at once migrate one after the other
    // instead of racing to create the same tables. The value is arbitrary: "AgentRun" in ASCII.
    public const long MigrationLockKey = 0x4167656E7452756E;

    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: the initial schema, the same tables as the SQLite store's with three differences:
        // - sessions.last_seq numbers each log. An append increments it (which locks the row until commit) and inserts
        //   the events in the same statement, so concurrent appends, from any number of processes, queue on the row
        //   and can neither reuse a seq nor leave a gap. events.payload is the event's JSON without its seq and
        //   sessionId (written as 0 and ""), which the columns hold and a read puts back.
        // - transcript_files.chunk_count does the same for a transcript file's chunks, locking that file's row only.
        // - child rows go with their session by ON DELETE CASCADE.
        // Timestamps are ISO-8601 round-trip ("O") text because timestamptz keeps neither the offset nor 100 ns
        // ticks; last_activity_utc_ticks orders sessions, and events.occurred_at (microseconds, UTC) is for queries
        // only: the payload is the event. JSON is text, not jsonb, which would reorder keys and refuses \u0000.
        // Keys are COLLATE "C": byte-wise comparisons, whatever the server's locale.
        """
        CREATE TABLE sessions (
            session_id text COLLATE "C" NOT NULL PRIMARY KEY,
            architecture text NOT NULL,
            agent_profile_ref text NOT NULL,
            name text,
            created_at text NOT NULL,
            last_activity text NOT NULL,
            last_activity_utc_ticks bigint NOT NULL,
            sandbox_restart_count integer NOT NULL,
            sandbox_start_count integer NOT NULL,
            metadata text NOT NULL,
            last_seq bigint NOT NULL DEFAULT 0
        );

        CREATE INDEX sessions_by_last_activity ON sessions (last_activity_utc_ticks DESC, session_id);

        CREATE TABLE events (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            type text NOT NULL,
            occurred_at timestamptz NOT NULL,
            payload text NOT NULL,
            PRIMARY KEY (session_id, seq)
        );

        CREATE TABLE transcript_files (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            path text COLLATE "C" NOT NULL,
            chunk_count integer NOT NULL,
            PRIMARY KEY (session_id, path)
        );

        CREATE TABLE transcript_chunks (
            session_id text COLLATE "C" NOT NULL,
            path text COLLATE "C" NOT NULL,
            chunk_index integer NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (session_id, path, chunk_index),
            FOREIGN KEY (session_id, path) REFERENCES transcript_files (session_id, path) ON DELETE CASCADE
        );

        CREATE TABLE workspace_files (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            path text COLLATE "C" NOT NULL,
            size bigint NOT NULL,
            hash text NOT NULL,
            modified_at text NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (session_id, path)
        );

        CREATE TABLE profiles (
            id text COLLATE "C" NOT NULL PRIMARY KEY,
            json text NOT NULL
        );
        """,

        // 2: workspace file content moves into chunk rows of ChunkSize bytes (the last one shorter; a zero-byte file
        // has none), so a file is written and read a chunk at a time and memory no longer grows with its size. Chunk
        // rows in bytea rather than large objects: they go with their file by ON DELETE CASCADE, where large objects
        // would need their own clean-up, and they are read with ordinary queries. version names the saved content; a
        // save writes a new one, and a reader fetches chunks of the version it opened, so a file replaced under it
        // fails the read instead of mixing versions. Existing content is split here, as version 0.
        """
        ALTER TABLE workspace_files ADD COLUMN version bigint NOT NULL DEFAULT 0;

        CREATE TABLE workspace_file_chunks (
            session_id text COLLATE "C" NOT NULL,
            path text COLLATE "C" NOT NULL,
            chunk_index integer NOT NULL,
            version bigint NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (session_id, path, chunk_index),
            FOREIGN KEY (session_id, path) REFERENCES workspace_files (session_id, path) ON DELETE CASCADE
        );

        INSERT INTO workspace_file_chunks (session_id, path, chunk_index, version, content)
        SELECT f.session_id, f.path, i, 0, substring(f.content FROM i * 1048576 + 1 FOR 1048576)
        FROM workspace_files f, generate_series(0, (length(f.content) - 1) / 1048576) AS i
        WHERE length(f.content) > 0;

        ALTER TABLE workspace_files DROP COLUMN content;
        """,

        // 3: tenants and API keys, as in the SQLite store's migration 3 except that scopes are a text[] rather than
        // JSON text. Every session belongs to a tenant; those made before tenants existed become the default tenant's
        // (a constant default, so the column is added without rewriting the table). A tenant's sessions are listed by
        // the same order as all of them, hence the index. An API key is kept as its id, its tenant, its scopes and the
        // hash of its secret, never the secret; created_at_utc_ticks orders keys as last_activity_utc_ticks orders sessions.
        """
        ALTER TABLE sessions ADD COLUMN tenant_id text COLLATE "C" NOT NULL DEFAULT 'default';

        CREATE INDEX sessions_by_tenant_last_activity ON sessions (tenant_id, last_activity_utc_ticks DESC, session_id);

        CREATE TABLE api_keys (
            key_id text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant_id text COLLATE "C" NOT NULL,
            scopes text[] NOT NULL,
            name text,
            secret_hash text NOT NULL,
            created_at text NOT NULL,
            created_at_utc_ticks bigint NOT NULL
        );

        CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at_utc_ticks, key_id);
        """,

        // 4: profile versions, as in the SQLite store's migration 4. Every save that changes a profile adds a row to
        // profile_versions, which are kept (a session runs on the version it started with); profiles holds the latest of
        // each profile that is not deleted, its JSON repeated so that listing reads one table. Deleting a profile removes
        // its profiles row only. Existing profiles become version 1, saved at the migration (in the "O" text form of the
        // other timestamps). A session records the version it runs on; those made before versions have none: the latest.
        """
        CREATE TABLE profile_versions (
            id text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            json text NOT NULL,
            created_at text NOT NULL,
            PRIMARY KEY (id, version)
        );

        INSERT INTO profile_versions (id, version, json, created_at)
        SELECT id, 1, json, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.0000000+00:00' FROM profiles;

        ALTER TABLE profiles ADD COLUMN version integer NOT NULL DEFAULT 1;

        ALTER TABLE sessions ADD COLUMN agent_profile_version integer;
        """,

        // 5: the provider's id of a session's last sandbox, so that a restarted server re-attaches to one that outlives
        // it (Modal).
        """
        ALTER TABLE sessions ADD COLUMN sandbox_id text;
        """,
    ];

    /// <summary>The size of a workspace file chunk; migration 2 splits existing content by the same number.</summary>
    public const int ChunkSize = 1 << 20;
}
