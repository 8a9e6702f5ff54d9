using AgentRuntime.Security;
using Npgsql;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Postgres;

internal sealed partial class PostgresAgentStore
{
    // The columns ReadApiKey reads and CreateApiKeyAsync binds ($1..$6), in that order; CreateApiKeyAsync binds
    // created_at_utc_ticks as $7.
    private const string ApiKeyColumns = "key_id, tenant_id, scopes, name, secret_hash, created_at";

    public async Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(key.KeyId, nameof(key));
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO api_keys ({ApiKeyColumns}, created_at_utc_ticks)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (key_id) DO NOTHING;
            """);
        command.Parameters.Add(Parameter(key.KeyId));
        command.Parameters.Add(Parameter(key.TenantId));
        command.Parameters.Add(Parameter(key.Scopes.ToArray()));
        command.Parameters.Add(NullableText(key.Name));
        command.Parameters.Add(Parameter(key.SecretHash));
        command.Parameters.Add(Parameter(FormatTimestamp(key.CreatedAt)));
        command.Parameters.Add(Parameter(key.CreatedAt.UtcTicks));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new InvalidOperationException($"API key '{key.KeyId}' already exists.");
        }
    }

    public async Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        await using var command = _dataSource.CreateCommand($"SELECT {ApiKeyColumns} FROM api_keys WHERE key_id = $1;");
        command.Parameters.Add(Parameter(keyId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadApiKey(reader) : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string? tenantId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(tenantId is null
            ? $"SELECT {ApiKeyColumns} FROM api_keys ORDER BY created_at_utc_ticks, key_id;"
            : $"SELECT {ApiKeyColumns} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at_utc_ticks, key_id;");
        if (tenantId is not null)
        {
            command.Parameters.Add(Parameter(tenantId));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(ReadApiKey(reader));
        }

        return keys;
    }

    public async Task<bool> DeleteApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        await using var command = _dataSource.CreateCommand("DELETE FROM api_keys WHERE key_id = $1;");
        command.Parameters.Add(Parameter(keyId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private static ApiKeyRecord ReadApiKey(NpgsqlDataReader reader) => new()
    {
        KeyId = reader.GetString(0),
        TenantId = reader.GetString(1),
        Scopes = reader.GetFieldValue<string[]>(2),
        Name = reader.IsDBNull(3) ? null : reader.GetString(3),
        SecretHash = reader.GetString(4),
        CreatedAt = ParseTimestamp(reader.GetString(5)),
    };
}
