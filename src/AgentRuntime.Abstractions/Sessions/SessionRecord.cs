namespace AgentRuntime.Sessions;

/// <summary>What persistence keeps of a session besides its log, transcript and files.</summary>
public sealed record SessionRecord
{
    private readonly string _tenantId = Security.Tenants.Default;

    /// <summary>The session's identifier (a GUID).</summary>
    public required string SessionId { get; init; }

    /// <summary>The tenant that owns the session (<see cref="Security.Tenants.Default"/> unless set).</summary>
    public string TenantId
    {
        // The JSON source generator sets an init-only property it did not find to null rather than leave a default.
        // Stored as the default rather than as null, so that a record made without a tenant equals one read back
        // from a store, which has the tenant written out (record equality compares the field, not the property).
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

    /// <summary>When anything last happened.</summary>
    public required DateTimeOffset LastActivity { get; init; }

    /// <summary>How many sandboxes were started for this session after the first.</summary>
    public int SandboxRestartCount { get; init; }

    /// <summary>How many sandboxes were started for this session in all.</summary>
    public int SandboxStartCount { get; init; }

    /// <summary>Totals of the main conversation.</summary>
    public SessionMetadata Metadata { get; init; } = new();
}
