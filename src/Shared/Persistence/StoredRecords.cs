using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence;

/// <summary>
/// How the database stores write and read what they keep as text: session rows (selected in the column order
/// <c>session_id, architecture, agent_profile_ref, name, created_at, last_activity, sandbox_restart_count,
/// sandbox_start_count, metadata, tenant_id, agent_profile_version, sandbox_id</c>; a summary's as <c>session_id, architecture,
/// agent_profile_ref, name, created_at, last_activity, tenant_id, agent_profile_version</c>), profiles as JSON, and timestamps as ISO-8601 round-trip text that
/// keeps ticks and offset.
/// </summary>
/// <remarks>Compiled into each database store (linked from src/Shared); the stores import it with <c>using static</c>.</remarks>
internal static class StoredRecords
{
    public static SessionRecord ReadRecord(DbDataReader reader) => new()
    {
        SessionId = reader.GetString(0),
        Architecture = reader.GetString(1),
        AgentProfileRef = reader.GetString(2),
        Name = reader.IsDBNull(3) ? null : reader.GetString(3),
        CreatedAt = ParseTimestamp(reader.GetString(4)),
        LastActivity = ParseTimestamp(reader.GetString(5)),
        SandboxRestartCount = reader.GetInt32(6),
        SandboxStartCount = reader.GetInt32(7),
        Metadata = JsonSerializer.Deserialize(reader.GetString(8), AgentRuntimeJsonContext.Default.SessionMetadata)
            ?? new SessionMetadata(),
        TenantId = reader.GetString(9),
        AgentProfileVersion = reader.IsDBNull(10) ? null : reader.GetInt32(10),
        SandboxId = reader.IsDBNull(11) ? null : reader.GetString(11),
    };

    public static SessionSummary ReadSummary(DbDataReader reader) => new()
    {
        SessionId = reader.GetString(0),
        Architecture = reader.GetString(1),
        AgentProfileRef = reader.GetString(2),
        Name = reader.IsDBNull(3) ? null : reader.GetString(3),
        CreatedAt = ParseTimestamp(reader.GetString(4)),
        LastActivity = ParseTimestamp(reader.GetString(5)),
        TenantId = reader.GetString(6),
        AgentProfileVersion = reader.IsDBNull(7) ? null : reader.GetInt32(7),
    };

    public static AgentProfile DeserializeProfile(string json) =>
        JsonSerializer.Deserialize(json, AgentRuntimeJsonContext.Default.AgentProfile)
        ?? throw new InvalidDataException("A stored profile is the JSON null.");

    public static void ValidateRecord(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.SessionId, nameof(session));
    }

    public static string FormatTimestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTimestamp(string value) =>
        DateTimeOffset.ParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);
}
