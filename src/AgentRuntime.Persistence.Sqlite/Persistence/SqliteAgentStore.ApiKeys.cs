using System.Text.Json;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using Microsoft.Data.Sqlite;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
{
    // The columns ReadApiKey reads, in its order.
    private const string ApiKeyColumns = "key_id, tenant_id, scopes, name, secret_hash, created_at";

    public async Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(key.KeyId, nameof(key));
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, """
            INSERT INTO api_keys (key_id, tenant_id, scopes, name, secret_hash, created_at, created_at_utc_ticks)
            VALUES ($id, $tenant, $scopes, $name, $hash, $created, $createdTicks)
            ON CONFLICT (key_id) DO NOTHING;
            """);
        command.Parameters.AddWithValue("$id", key.KeyId);
        command.Parameters.AddWithValue("$tenant", key.TenantId);
        command.Parameters.AddWithValue("$scopes", JsonSerializer.Serialize(key.Scopes, AgentRuntimeJsonContext.Default.IReadOnlyListString));
        command.Parameters.AddWithValue("$name", (object?)key.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$hash", key.SecretHash);
        command.Parameters.AddWithValue("$created", FormatTimestamp(key.CreatedAt));
        command.Parameters.AddWithValue("$createdTicks", key.CreatedAt.UtcTicks);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"API key '{key.KeyId}' already exists.");
        }
    }

    public async Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, $"SELECT {ApiKeyColumns} FROM api_keys WHERE key_id = $id;");
        command.Parameters.AddWithValue("$id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadApiKey(reader) : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string? tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, tenantId is null
            ? $"SELECT {ApiKeyColumns} FROM api_keys ORDER BY created_at_utc_ticks, key_id;"
            : $"SELECT {ApiKeyColumns} FROM api_keys WHERE tenant_id = $tenant ORDER BY created_at_utc_ticks, key_id;");
        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("$tenant", tenantId);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(ReadApiKey(reader));
        }

        return keys;
    }

    public async Task<bool> DeleteApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "DELETE FROM api_keys WHERE key_id = $id;");
        command.Parameters.AddWithValue("$id", keyId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static ApiKeyRecord ReadApiKey(SqliteDataReader reader) => new()
    {
        KeyId = reader.GetString(0),
        TenantId = reader.GetString(1),
        Scopes = JsonSerializer.Deserialize(reader.GetString(2), AgentRuntimeJsonContext.Default.IReadOnlyListString)
            ?? throw new InvalidDataException($"API key '{reader.GetString(0)}' has the JSON null for scopes."),
        Name = reader.IsDBNull(3) ? null : reader.GetString(3),
        SecretHash = reader.GetString(4),
        CreatedAt = ParseTimestamp(reader.GetString(5)),
    };
}
