namespace AgentRuntime.Sessions;

/// <summary>
/// What the session list shows of a stored session: its record without the sandbox counts and the metadata. A store
/// lists these without reading the metadata, which is JSON to parse and was most of the cost of listing whole records.
/// </summary>
public sealed record SessionSummary
{
    private readonly string _tenantId = Security.Tenants.Default;

    /// <summary>The session's identifier (a GUID).</summary>
    public required string SessionId { get; init; }

    /// <summary>The tenant that owns the session.</summary>
    public string TenantId
    {
        // As on SessionRecord: the default rather than null, so summaries compare equal however they were made.
        get => _tenantId;
        init => _tenantId = value ?? Security.Tenants.Default;
    }

    /// <summary>The agent architecture.</summary>
    public required string Architecture { get; init; }

    /// <summary>The agent profile's id.</summary>
    public required string AgentProfileRef { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>When the session was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When anything last happened, as last stored.</summary>
    public required DateTimeOffset LastActivity { get; init; }

    /// <summary>The summary of a record.</summary>
    public static SessionSummary From(SessionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new()
        {
            SessionId = record.SessionId,
            TenantId = record.TenantId,
            Architecture = record.Architecture,
            AgentProfileRef = record.AgentProfileRef,
            Name = record.Name,
            CreatedAt = record.CreatedAt,
            LastActivity = record.LastActivity,
        };
    }
}
