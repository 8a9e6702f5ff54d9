using AgentRuntime.Architectures;
using AgentRuntime.Sessions;
using Microsoft.Data.Sqlite;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
{
    public async Task<IReadOnlyList<NativeTranscriptFile>> LoadTranscriptAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            "SELECT path, content FROM transcript_chunks WHERE session_id = $id ORDER BY path, chunk_index;");
        command.Parameters.AddWithValue("$id", sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        var files = new List<NativeTranscriptFile>();
        string? path = null;
        var chunks = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var rowPath = reader.GetString(0);
            if (path is not null && rowPath != path)
            {
                files.Add(new NativeTranscriptFile(path, Concat(chunks)));
                chunks.Clear();
            }

            path = rowPath;
            chunks.Add(reader.GetFieldValue<byte[]>(1));
        }

        if (path is not null)
        {
            files.Add(new NativeTranscriptFile(path, Concat(chunks)));
        }

        // SQLite orders text by UTF-8 bytes; sort the UTF-16 ordinal way so every store lists files alike.
        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return files;
    }

    public async Task AppendTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);

        // A new row per append: what is stored is never read back and rewritten, so appending to a large transcript
        // costs the size of the new bytes only.
        await using var command = CreateCommand(connection, transaction, """
            INSERT INTO transcript_chunks (session_id, path, chunk_index, content)
            VALUES ($id, $path,
                (SELECT COALESCE(MAX(chunk_index), -1) + 1 FROM transcript_chunks WHERE session_id = $id AND path = $path),
                $content);
            """);
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$path", relativePath);
        command.Parameters.Add("$content", SqliteType.Blob).Value = ToArray(content);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ReplaceTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);

        await using var delete = CreateCommand(connection, transaction, "DELETE FROM transcript_chunks WHERE session_id = $id AND path = $path;");
        delete.Parameters.AddWithValue("$id", sessionId);
        delete.Parameters.AddWithValue("$path", relativePath);
        await delete.ExecuteNonQueryAsync(cancellationToken);

        await using var insert = CreateCommand(connection, transaction,
            "INSERT INTO transcript_chunks (session_id, path, chunk_index, content) VALUES ($id, $path, 0, $content);");
        insert.Parameters.AddWithValue("$id", sessionId);
        insert.Parameters.AddWithValue("$path", relativePath);
        insert.Parameters.Add("$content", SqliteType.Blob).Value = ToArray(content);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WorkspaceFileInfo>> ListWorkspaceFilesAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            "SELECT path, size, hash, modified_at FROM workspace_files WHERE session_id = $id;");
        command.Parameters.AddWithValue("$id", sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var files = new List<WorkspaceFileInfo>();
        while (await reader.ReadAsync(cancellationToken))
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
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await using var command = CreateCommand(connection, null, """
                SELECT f.size, f.version, c.content FROM workspace_files f
                LEFT JOIN workspace_file_chunks c
                    ON c.session_id = f.session_id AND c.path = f.path AND c.version = f.version AND c.chunk_index = 0
                WHERE f.session_id = $id AND f.path = $path;
                """);
            command.Parameters.AddWithValue("$id", sessionId);
            command.Parameters.AddWithValue("$path", path);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            size = reader.GetInt64(0);
            version = reader.GetInt64(1);
            firstChunk = reader.IsDBNull(2) ? [] : reader.GetFieldValue<byte[]>(2);
        }

        return new ChunkedReadStream(path, size, SqliteSchema.ChunkSize, firstChunk, (index, buffer, ct) => ReadChunkAsync(sessionId, path, version, index, buffer, ct));
    }

    // One short read per chunk, on a pooled connection: no reader or transaction stays open while the consumer (an HTTP
    // client, a sandbox write) takes its time between chunks.
    private async ValueTask<int> ReadChunkAsync(string sessionId, string path, long version, int index, byte[] buffer, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, """
            SELECT content FROM workspace_file_chunks
            WHERE session_id = $id AND path = $path AND chunk_index = $index AND version = $version;
            """);
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$path", path);
        command.Parameters.AddWithValue("$index", index);
        command.Parameters.AddWithValue("$version", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return -1;
        }

        // GetStream reads the blob in place (incremental BLOB I/O) rather than copying it into a new array first.
        await using var content = reader.GetStream(0);
        return content.Length > buffer.Length ? -1 : await content.ReadAtLeastAsync(buffer, (int)content.Length, throwOnEndOfStream: true, cancellationToken);
    }

    // Chunk rows rather than one BLOB written through SqliteBlob: a blob handle can be read in pieces but only while
    // its connection and row stay open, which a slow HTTP client would hold for as long as it likes; chunks fetched by
    // key hold nothing between reads, tell a replaced file by its version, and write with ordinary statements in the
    // one transaction that also replaces the metadata, so a failed save leaves the earlier content whole.
    public async Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.Path, nameof(file));
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(file.Size, nameof(file));

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);
        await using (var delete = CreateCommand(connection, transaction, "DELETE FROM workspace_file_chunks WHERE session_id = $id AND path = $path;"))
        {
            delete.Parameters.AddWithValue("$id", sessionId);
            delete.Parameters.AddWithValue("$path", file.Path);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        var version = NewVersion();
        await using (var upsert = CreateCommand(connection, transaction, """
            INSERT INTO workspace_files (session_id, path, size, hash, modified_at, version)
            VALUES ($id, $path, $size, $hash, $modified, $version)
            ON CONFLICT (session_id, path) DO UPDATE SET
                size = excluded.size, hash = excluded.hash, modified_at = excluded.modified_at, version = excluded.version;
            """))
        {
            upsert.Parameters.AddWithValue("$id", sessionId);
            upsert.Parameters.AddWithValue("$path", file.Path);
            upsert.Parameters.AddWithValue("$size", file.Size);
            upsert.Parameters.AddWithValue("$hash", file.Hash);
            upsert.Parameters.AddWithValue("$modified", FormatTimestamp(file.ModifiedAt));
            upsert.Parameters.AddWithValue("$version", version);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = CreateCommand(connection, transaction, """
            INSERT INTO workspace_file_chunks (session_id, path, chunk_index, version, content)
            VALUES ($id, $path, $index, $version, $content);
            """);
        insert.Parameters.AddWithValue("$id", sessionId);
        insert.Parameters.AddWithValue("$path", file.Path);
        var indexParameter = insert.Parameters.Add("$index", SqliteType.Integer);
        insert.Parameters.AddWithValue("$version", version);
        var contentParameter = insert.Parameters.Add("$content", SqliteType.Blob);

        // One chunk in memory at a time. Reading one more chunk than the info promises is how a longer stream is caught.
        var buffer = new byte[(int)Math.Min(SqliteSchema.ChunkSize, Math.Max(file.Size, 1))];
        long total = 0;
        for (var index = 0; ; index++)
        {
            var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            total += read;
            if (read == 0 || total > file.Size)
            {
                break;
            }

            indexParameter.Value = index;
            contentParameter.Value = read == buffer.Length ? buffer : buffer[..read];
            await insert.ExecuteNonQueryAsync(cancellationToken);
            if (read < buffer.Length)
            {
                break;
            }
        }

        if (total != file.Size)
        {
            throw new ArgumentException($"The file info says {file.Size} bytes but the content has {(total > file.Size ? "more" : total)}.", nameof(file));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "DELETE FROM workspace_files WHERE session_id = $id AND path = $path;");
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$path", path);

        // The chunks go by ON DELETE CASCADE; giving their pages back keeps a deleted large file from bloating the file.
        var existed = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (existed)
        {
            await ExecuteAsync(connection, null, "PRAGMA incremental_vacuum;", cancellationToken);
        }

        return existed;
    }

    // Random rather than counted: a counter per path would start again after a delete, and a reader of the old file
    // could then take the new file's chunks for its own.
    private static long NewVersion() => (BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & long.MaxValue) | 1;

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
