namespace AgentRuntime.Sessions;

/// <summary>
/// What the session list shows of a stored session: its record without the sandbox counts and the metadata. A store
/// lists these without reading the metadata, which is JSON to parse and was most of the cost of listing whole records.
/// </summary>
public record SessionSummary
{
    private readonly string _tenantId = Security.Tenants.Default;

    /// <summary>The session's identifier (a GUID).</summary>
    public required string SessionId { get; init; }

    /// <summary>The tenant that owns the session.</summary>
    public string TenantId
    {
        // The JSON source generator sets an init-only property it did not find to null rather than leave a default.
        // Kept as the default rather than null, so that a record made without a tenant equals one read back from a
        // store, which has the tenant written out (record equality compares the field, not the property).
        get => _tenantId;
        init => _tenantId = value ?? Security.Tenants.Default;
    }

    /// <summary>The agent architecture.</summary>
    public required string Architecture { get; init; }

    /// <summary>The agent profile's id.</summary>
    public required string AgentProfileRef { get; init; }

    /// <summary>
    /// The version of the profile the session runs on; <see langword="null"/> for the latest (sessions made before
    /// profiles had versions).
    /// </summary>
    public int? AgentProfileVersion { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>When the session was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When anything last happened (in a summary, as last stored).</summary>
    public required DateTimeOffset LastActivity { get; init; }

    /// <summary>The summary of a record, as a summary of its own (a record is one, but compares equal only to records).</summary>
    public static SessionSummary From(SessionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record);
    }
}
