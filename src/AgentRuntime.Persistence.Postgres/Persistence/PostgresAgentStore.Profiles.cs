using System.Text.Json;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using Npgsql;
using static AgentRuntime.Persistence.StoredRecords;

namespace AgentRuntime.Persistence.Postgres;

internal sealed partial class PostgresAgentStore
{
    public async Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT json FROM profiles;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var profiles = new List<AgentProfile>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            profiles.Add(DeserializeProfile(reader.GetString(0)));
        }

        // Sorted here rather than by SQL: "C" compares UTF-8 bytes, the other stores compare UTF-16 ordinally.
        profiles.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return profiles;
    }

    public async Task<AgentProfile?> GetProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var command = _dataSource.CreateCommand("SELECT json FROM profiles WHERE id = $1;");
        command.Parameters.Add(Parameter(profileId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? DeserializeProfile(json) : null;
    }

    public async Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var command = _dataSource.CreateCommand(version is null
            ? "SELECT v.json, v.version, v.created_at FROM profiles p JOIN profile_versions v ON v.id = p.id AND v.version = p.version WHERE p.id = $1;"
            : "SELECT json, version, created_at FROM profile_versions WHERE id = $1 AND version = $2;");
        command.Parameters.Add(Parameter(profileId));
        if (version is not null)
        {
            command.Parameters.Add(Parameter(version.Value));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredProfile(DeserializeProfile(reader.GetString(0)), reader.GetInt32(1), ParseTimestamp(reader.GetString(2)))
            : null;
    }

    public async Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var command = _dataSource.CreateCommand("""
            SELECT version, created_at FROM profile_versions
            WHERE id = $1 AND EXISTS (SELECT 1 FROM profiles WHERE id = $1)
            ORDER BY version;
            """);
        command.Parameters.Add(Parameter(profileId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<ProfileVersionInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new ProfileVersionInfo(reader.GetInt32(0), ParseTimestamp(reader.GetString(1))));
        }

        return versions;
    }

    public async Task<int> SaveProfileAsync(AgentProfile profile, CancellationToken cancellationToken) =>
        (await SaveProfileAsync(profile, onlyIfNew: false, cancellationToken).ConfigureAwait(false))!.Value;

    public Task<int?> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken) =>
        SaveProfileAsync(profile, onlyIfNew: true, cancellationToken);

    private async Task<int?> SaveProfileAsync(AgentProfile profile, bool onlyIfNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrEmpty(profile.Id, nameof(profile));
        var json = JsonSerializer.Serialize(profile, AgentRuntimeJsonContext.Default.AgentProfile);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Saves of one profile queue on a lock named by its id (held to the commit), so two cannot take one number; a
        // row lock would not do, since a new or deleted profile has no row to lock. Other profiles' saves do not wait.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('profile:' || $1, 0));", cancellationToken, Parameter(profile.Id));
        await using (var latest = new NpgsqlCommand("SELECT json, version FROM profiles WHERE id = $1;", connection))
        {
            latest.Parameters.Add(Parameter(profile.Id));
            await using var reader = await latest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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

        await using var command = new NpgsqlCommand("""
            WITH added AS (
                INSERT INTO profile_versions (id, version, json, created_at)
                SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3 FROM profile_versions WHERE id = $1
                RETURNING version
            )
            INSERT INTO profiles (id, json, version)
            SELECT $1, $2, version FROM added
            ON CONFLICT (id) DO UPDATE SET json = excluded.json, version = excluded.version
            RETURNING version;
            """, connection);
        command.Parameters.Add(Parameter(profile.Id));
        command.Parameters.Add(Parameter(json));
        command.Parameters.Add(Parameter(FormatTimestamp(_time.GetUtcNow())));
        var version = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<bool> DeleteProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        await using var command = _dataSource.CreateCommand("DELETE FROM profiles WHERE id = $1;");
        command.Parameters.Add(Parameter(profileId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
