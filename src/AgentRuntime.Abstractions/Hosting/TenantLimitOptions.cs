using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Hosting;

/// <summary>
/// What each tenant may use at once (<c>AgentRuntime:Limits</c>): the same for every tenant, with overrides per tenant
/// under <c>AgentRuntime:Limits:Tenants:&lt;tenantId&gt;</c>. A request over a limit answers 429 and changes nothing.
/// </summary>
public sealed class TenantLimitOptions
{
    /// <summary>Sessions a tenant may keep (stored, loaded or not).</summary>
    [Range(1, int.MaxValue)]
    public int MaxSessions { get; set; } = 1000;

    /// <summary>Turns a tenant may have running at the same time.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRunningTurns { get; set; } = 8;

    /// <summary>Sandboxes a tenant may have alive at the same time (a sandbox lives on, idle, after its turn).</summary>
    [Range(1, int.MaxValue)]
    public int MaxLiveSandboxes { get; set; } = 8;

    /// <summary>HTTP requests (REST calls, stream and hub connections) a tenant may make per minute.</summary>
    [Range(1, int.MaxValue)]
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>Overrides by tenant id; a field left out keeps the value above.</summary>
    public Dictionary<string, TenantLimitOverrides> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The limits that apply to <paramref name="tenantId"/>.</summary>
    public TenantLimits For(string tenantId)
    {
        var own = Tenants.GetValueOrDefault(tenantId);
        return new TenantLimits(
            own?.MaxSessions ?? MaxSessions,
            own?.MaxRunningTurns ?? MaxRunningTurns,
            own?.MaxLiveSandboxes ?? MaxLiveSandboxes,
            own?.RequestsPerMinute ?? RequestsPerMinute);
    }
}

/// <summary>One tenant's own limits; a null field keeps the runtime-wide value.</summary>
public sealed class TenantLimitOverrides
{
    /// <inheritdoc cref="TenantLimitOptions.MaxSessions"/>
    [Range(1, int.MaxValue)]
    public int? MaxSessions { get; set; }

    /// <inheritdoc cref="TenantLimitOptions.MaxRunningTurns"/>
    [Range(1, int.MaxValue)]
    public int? MaxRunningTurns { get; set; }

    /// <inheritdoc cref="TenantLimitOptions.MaxLiveSandboxes"/>
    [Range(1, int.MaxValue)]
    public int? MaxLiveSandboxes { get; set; }

    /// <inheritdoc cref="TenantLimitOptions.RequestsPerMinute"/>
    [Range(1, int.MaxValue)]
    public int? RequestsPerMinute { get; set; }
}

/// <summary>The limits in force for one tenant.</summary>
public sealed record TenantLimits(int MaxSessions, int MaxRunningTurns, int MaxLiveSandboxes, int RequestsPerMinute);
