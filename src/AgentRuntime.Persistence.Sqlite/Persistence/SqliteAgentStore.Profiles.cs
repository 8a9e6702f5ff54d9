using System.Text.Json;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Sqlite;

internal sealed partial class SqliteAgentStore
{
    public async Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "SELECT json FROM profiles;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var profiles = new List<AgentProfile>();
        while (await reader.ReadAsync(cancellationToken))
        {
            profiles.Add(DeserializeProfile(reader.GetString(0)));
        }

        // Sorted here rather than by SQL: SQLite compares UTF-8 bytes, the other stores compare UTF-16 ordinally.
        profiles.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return profiles;
    }

    public async Task<AgentProfile?> GetProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "SELECT json FROM profiles WHERE id = $id;");
        command.Parameters.AddWithValue("$id", profileId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? DeserializeProfile(json) : null;
    }

    public async Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, version is null
            ? "SELECT v.json, v.version, v.created_at FROM profiles p JOIN profile_versions v ON v.id = p.id AND v.version = p.version WHERE p.id = $id;"
            : "SELECT json, version, created_at FROM profile_versions WHERE id = $id AND version = $version;");
        command.Parameters.AddWithValue("$id", profileId);
        if (version is not null)
        {
            command.Parameters.AddWithValue("$version", version.Value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredProfile(DeserializeProfile(reader.GetString(0)), reader.GetInt32(1), ParseTimestamp(reader.GetString(2)))
            : null;
    }

    public async Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, """
            SELECT version, created_at FROM profile_versions
            WHERE id = $id AND EXISTS (SELECT 1 FROM profiles WHERE id = $id)
            ORDER BY version;
            """);
        command.Parameters.AddWithValue("$id", profileId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<ProfileVersionInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new ProfileVersionInfo(reader.GetInt32(0), ParseTimestamp(reader.GetString(1))));
        }

        return versions;
    }

    public async Task<int> SaveProfileAsync(AgentProfile profile, CancellationToken cancellationToken) =>
        (await SaveProfileAsync(profile, onlyIfNew: false, cancellationToken))!.Value;

    public Task<int?> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken) =>
        SaveProfileAsync(profile, onlyIfNew: true, cancellationToken);

    private async Task<int?> SaveProfileAsync(AgentProfile profile, bool onlyIfNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrEmpty(profile.Id, nameof(profile));
        var json = JsonSerializer.Serialize(profile, AgentRuntimeJsonContext.Default.AgentProfile);
        await using var connection = await OpenAsync(cancellationToken);

        // The write lock from the start: the number is read, then used.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var latest = CreateCommand(connection, transaction, "SELECT json, version FROM profiles WHERE id = $id;"))
        {
            latest.Parameters.AddWithValue("$id", profile.Id);
            await using var reader = await latest.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                if (onlyIfNew)
                {
                    return null;
                }

                if (reader.GetString(0) == json)
                {
                    return reader.GetInt32(1);
                }
            }
        }

        await using var command = CreateCommand(connection, transaction, """
            INSERT INTO profile_versions (id, version, json, created_at)
            SELECT $id, COALESCE(MAX(version), 0) + 1, $json, $created FROM profile_versions WHERE id = $id;

            INSERT INTO profiles (id, json, version)
            SELECT $id, $json, MAX(version) FROM profile_versions WHERE id = $id
            ON CONFLICT (id) DO UPDATE SET json = excluded.json, version = excluded.version
            RETURNING version;
            """);
        command.Parameters.AddWithValue("$id", profile.Id);
        command.Parameters.AddWithValue("$json", json);
        command.Parameters.AddWithValue("$created", FormatTimestamp(_time.GetUtcNow()));
        var version = (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    public async Task<bool> DeleteProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, "DELETE FROM profiles WHERE id = $id;");
        command.Parameters.AddWithValue("$id", profileId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
