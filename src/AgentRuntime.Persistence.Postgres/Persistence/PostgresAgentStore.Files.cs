using System.Data;
using AgentRuntime.Architectures;
using AgentRuntime.Sessions;
using Npgsql;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Postgres;

internal sealed partial class PostgresAgentStore
{
    public async Task<IReadOnlyList<NativeTranscriptFile>> LoadTranscriptAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var command = _dataSource.CreateCommand(
            "SELECT path, content FROM transcript_chunks WHERE session_id = $1 ORDER BY path, chunk_index;");
        command.Parameters.Add(Parameter(sessionId));

        // Sequential access reads each chunk straight into its array instead of buffering the whole row first.
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var files = new List<NativeTranscriptFile>();
        string? path = null;
        var chunks = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var rowPath = reader.GetString(0);
            if (path is not null && rowPath != path)
            {
                files.Add(new NativeTranscriptFile(path, Concat(chunks)));
                chunks.Clear();
            }

            path = rowPath;
            chunks.Add(await reader.GetFieldValueAsync<byte[]>(1, cancellationToken).ConfigureAwait(false));
        }

        if (path is not null)
        {
            files.Add(new NativeTranscriptFile(path, Concat(chunks)));
        }

        // "C" orders text by UTF-8 bytes; sort the UTF-16 ordinal way so every store lists files alike.
        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return files;
    }

    public async Task AppendTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);

        // A new row per append: what is stored is never read back and rewritten, so appending to a large transcript
        // costs the size of the new bytes only. The upsert counts the file's chunks and locks its row until the
        // statement commits, so two appends to one file take consecutive indexes in the order they commit; a session
        // that does not exist fails the foreign key.
        await using var command = _dataSource.CreateCommand("""
            WITH file AS (
                INSERT INTO transcript_files (session_id, path, chunk_count) VALUES ($1, $2, 1)
                ON CONFLICT (session_id, path) DO UPDATE SET chunk_count = transcript_files.chunk_count + 1
                RETURNING chunk_count
            )
            INSERT INTO transcript_chunks (session_id, path, chunk_index, content)
            SELECT $1, $2, file.chunk_count - 1, $3 FROM file;
            """);
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(relativePath));
        command.Parameters.Add(Parameter(content));
        await ExecuteForSessionAsync(command, sessionId, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReplaceTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);

        // A batch runs as one implicit transaction (one Sync at its end), so a reader sees the old file or the new one.
        // The upsert comes first so it takes the file's row lock before the chunks are touched.
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO transcript_files (session_id, path, chunk_count) VALUES ($1, $2, 1)
            ON CONFLICT (session_id, path) DO UPDATE SET chunk_count = 1;
            """)
        {
            Parameters = { Parameter(sessionId), Parameter(relativePath) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM transcript_chunks WHERE session_id = $1 AND path = $2;")
        {
            Parameters = { Parameter(sessionId), Parameter(relativePath) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO transcript_chunks (session_id, path, chunk_index, content) VALUES ($1, $2, 0, $3);")
        {
            Parameters = { Parameter(sessionId), Parameter(relativePath), Parameter(content) },
        });
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (IsMissingSession(e))
        {
            throw SessionNotFound(sessionId, e);
        }
    }

    public async Task<IReadOnlyList<WorkspaceFileInfo>> ListWorkspaceFilesAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var command = _dataSource.CreateCommand(
            "SELECT path, size, hash, modified_at FROM workspace_files WHERE session_id = $1;");
        command.Parameters.Add(Parameter(sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var files = new List<WorkspaceFileInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(new WorkspaceFileInfo
            {
                Path = reader.GetString(0),
                Size = reader.GetInt64(1),
                Hash = reader.GetString(2),
                ModifiedAt = ParseTimestamp(reader.GetString(3)),
            });
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    public async Task<Stream?> OpenWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Size, version and the first chunk in one statement, so they are of one version.
        long size, version;
        byte[] firstChunk;
        await using (var command = _dataSource.CreateCommand("""
            SELECT f.size, f.version, c.content FROM workspace_files f
            LEFT JOIN workspace_file_chunks c
                ON c.session_id = f.session_id AND c.path = f.path AND c.version = f.version AND c.chunk_index = 0
            WHERE f.session_id = $1 AND f.path = $2;
            """))
        {
            command.Parameters.Add(Parameter(sessionId));
            command.Parameters.Add(Parameter(path));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            size = reader.GetInt64(0);
            version = reader.GetInt64(1);
            firstChunk = await reader.IsDBNullAsync(2, cancellationToken).ConfigureAwait(false) ? [] : reader.GetFieldValue<byte[]>(2);
        }

        return new ChunkedReadStream(path, size, PostgresSchema.ChunkSize, firstChunk, (index, buffer, ct) => ReadChunkAsync(sessionId, path, version, index, buffer, ct));
    }

    // One query per chunk on a pooled connection: nothing stays open while the consumer takes its time between chunks.
    private async ValueTask<int> ReadChunkAsync(string sessionId, string path, long version, int index, byte[] buffer, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT content FROM workspace_file_chunks WHERE session_id = $1 AND path = $2 AND chunk_index = $3 AND version = $4;");
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(path));
        command.Parameters.Add(Parameter(index));
        command.Parameters.Add(Parameter(version));

        // Sequential access streams the column into the caller's buffer rather than into a new array per chunk.
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return -1;
        }

        await using var content = await reader.GetStreamAsync(0, cancellationToken).ConfigureAwait(false);
        var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == buffer.Length && await content.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0 ? -1 : read;
    }

    public async Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.Path, nameof(file));
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(file.Size, nameof(file));

        // One transaction: the upsert takes the file's row lock first (a concurrent save of the same path waits), the
        // old chunks go, the new ones are inserted as the stream is read. If anything fails the earlier content stays.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var version = NewVersion();
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO workspace_files (session_id, path, size, hash, modified_at, version)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (session_id, path) DO UPDATE SET
                size = excluded.size, hash = excluded.hash, modified_at = excluded.modified_at, version = excluded.version;
            """, connection, transaction))
        {
            upsert.Parameters.Add(Parameter(sessionId));
            upsert.Parameters.Add(Parameter(file.Path));
            upsert.Parameters.Add(Parameter(file.Size));
            upsert.Parameters.Add(Parameter(file.Hash));
            upsert.Parameters.Add(Parameter(FormatTimestamp(file.ModifiedAt)));
            upsert.Parameters.Add(Parameter(version));
            await ExecuteForSessionAsync(upsert, sessionId, cancellationToken).ConfigureAwait(false);
        }

        await using (var delete = new NpgsqlCommand("DELETE FROM workspace_file_chunks WHERE session_id = $1 AND path = $2 AND version <> $3;", connection, transaction))
        {
            delete.Parameters.Add(Parameter(sessionId));
            delete.Parameters.Add(Parameter(file.Path));
            delete.Parameters.Add(Parameter(version));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO workspace_file_chunks (session_id, path, chunk_index, version, content) VALUES ($1, $2, $3, $4, $5);", connection, transaction);
        var indexParameter = Parameter(0);
        var contentParameter = Parameter(ReadOnlyMemory<byte>.Empty);
        insert.Parameters.Add(Parameter(sessionId));
        insert.Parameters.Add(Parameter(file.Path));
        insert.Parameters.Add(indexParameter);
        insert.Parameters.Add(Parameter(version));
        insert.Parameters.Add(contentParameter);

        // One chunk in memory at a time. Reading one more chunk than the info promises is how a longer stream is caught.
        var buffer = new byte[(int)Math.Min(PostgresSchema.ChunkSize, Math.Max(file.Size, 1))];
        long total = 0;
        for (var index = 0; ; index++)
        {
            var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            total += read;
            if (read == 0 || total > file.Size)
            {
                break;
            }

            indexParameter.TypedValue = index;
            contentParameter.TypedValue = buffer.AsMemory(0, read);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (read < buffer.Length)
            {
                break;
            }
        }

        if (total != file.Size)
        {
            throw new ArgumentException($"The file info says {file.Size} bytes but the content has {(total > file.Size ? "more" : total)}.", nameof(file));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Random rather than counted: a counter per path would start again after a delete, and a reader of the old file
    // could then take the new file's chunks for its own.
    private static long NewVersion() => (BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & long.MaxValue) | 1;

    public async Task<bool> DeleteWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // The chunks go with the row, by ON DELETE CASCADE.
        await using var command = _dataSource.CreateCommand("DELETE FROM workspace_files WHERE session_id = $1 AND path = $2;");
        command.Parameters.Add(Parameter(sessionId));
        command.Parameters.Add(Parameter(path));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Runs a write whose rows reference the session, turning the foreign-key failure into <see cref="KeyNotFoundException"/>.</summary>
    private static async Task ExecuteForSessionAsync(NpgsqlCommand command, string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (IsMissingSession(e))
        {
            throw SessionNotFound(sessionId, e);
        }
    }

    private static byte[] Concat(List<byte[]> chunks)
    {
        if (chunks.Count == 1)
        {
            return chunks[0];
        }

        var result = new byte[chunks.Sum(c => c.Length)];
        var offset = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(result, offset);
            offset += chunk.Length;
        }

        return result;
    }
}
