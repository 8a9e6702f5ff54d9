using System.Security.Claims;

namespace AgentRuntime.Security;

/// <summary>
/// The runtime's view of an authenticated caller, read from the claims every authentication scheme of the runtime
/// issues: <see cref="TenantClaim"/>, one <see cref="ScopeClaim"/> per scope and, for API keys, <see cref="KeyIdClaim"/>.
/// </summary>
internal sealed record Caller(string TenantId, IReadOnlyList<string> Scopes, string? KeyId)
{
    public const string TenantClaim = "agent-runtime/tenant";
    public const string ScopeClaim = "agent-runtime/scope";
    public const string KeyIdClaim = "agent-runtime/key";

    /// <summary>Whether the caller sees every tenant.</summary>
    public bool IsAdmin => Scopes.Contains(ApiScopes.Admin);

    /// <summary>The tenant whose sessions the caller lists: its own, or every one (null) for an admin.</summary>
    public string? TenantFilter => IsAdmin ? null : TenantId;

    /// <summary>Whether the caller may touch a session of <paramref name="tenantId"/>.</summary>
    public bool CanSee(string tenantId) => IsAdmin || tenantId == TenantId;

    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("The caller is not authenticated by the agent runtime."),
        [.. user.FindAll(ScopeClaim).Select(c => c.Value)],
        user.FindFirstValue(KeyIdClaim));

    /// <summary>The principal for a caller, as a scheme issues it.</summary>
    public static ClaimsPrincipal Principal(string scheme, string tenantId, IEnumerable<string> scopes, string? keyId)
    {
        var claims = new List<Claim> { new(TenantClaim, tenantId), new(ClaimTypes.Name, keyId is null ? tenantId : $"key {keyId}") };
        claims.AddRange(scopes.Select(s => new Claim(ScopeClaim, s)));
        if (keyId is not null)
        {
            claims.Add(new Claim(KeyIdClaim, keyId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
