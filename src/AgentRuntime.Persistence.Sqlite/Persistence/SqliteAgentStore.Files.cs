using AgentRuntime.Architectures;
using AgentRuntime.Sessions;
using Microsoft.Data.Sqlite;

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

    public async Task<byte[]?> ReadWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "SELECT content FROM workspace_files WHERE session_id = $id AND path = $path;");
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$path", path);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<byte[]>(0) : null;
    }

    public async Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.Path, nameof(file));
        if (file.Size != content.Length)
        {
            throw new ArgumentException($"The file info says {file.Size} bytes but the content has {content.Length}.", nameof(file));
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await EnsureSessionExistsAsync(connection, transaction, sessionId, cancellationToken);
        await using var command = CreateCommand(connection, transaction, """
            INSERT INTO workspace_files (session_id, path, size, hash, modified_at, content)
            VALUES ($id, $path, $size, $hash, $modified, $content)
            ON CONFLICT (session_id, path) DO UPDATE SET
                size = excluded.size, hash = excluded.hash, modified_at = excluded.modified_at, content = excluded.content;
            """);
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$path", file.Path);
        command.Parameters.AddWithValue("$size", file.Size);
        command.Parameters.AddWithValue("$hash", file.Hash);
        command.Parameters.AddWithValue("$modified", FormatTimestamp(file.ModifiedAt));
        command.Parameters.Add("$content", SqliteType.Blob).Value = ToArray(content);
        await command.ExecuteNonQueryAsync(cancellationToken);
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
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
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
