namespace AgentRuntime.Security;

/// <summary>How callers prove who they are (<c>AgentRuntime:Auth</c>).</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Auth";

    /// <summary>
    /// <c>apikey</c> (the default: keys the runtime issues, kept hashed in the store), <c>jwt</c> (bearer tokens from an
    /// OIDC authority) or <c>none</c> (no credentials; every caller is an admin of the default tenant — refused unless
    /// the server listens on loopback addresses only).
    /// </summary>
    public AuthMode Mode { get; set; } = AuthMode.ApiKey;

    /// <summary>Settings of <c>jwt</c> mode.</summary>
    public JwtAuthOptions Jwt { get; set; } = new();
}

/// <summary>The ways to authenticate.</summary>
public enum AuthMode
{
    /// <summary>API keys issued by the runtime.</summary>
    ApiKey,

    /// <summary>JWT bearer tokens.</summary>
    Jwt,

    /// <summary>No authentication (loopback only).</summary>
    None,
}

/// <summary>How JWT bearer tokens are checked (<c>AgentRuntime:Auth:Jwt</c>).</summary>
public sealed class JwtAuthOptions
{
    /// <summary>The OIDC authority (issuer URL) whose discovery document gives the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must carry; not checked when absent.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer tokens must carry when no authority is set (with <see cref="SigningKey"/>).</summary>
    public string? Issuer { get; set; }

    /// <summary>A symmetric signing key (base64, at least 32 bytes) instead of an authority: for tokens the application mints itself.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim that names the tenant; a token without it is refused.</summary>
    public string TenantClaim { get; set; } = "tenant_id";

    /// <summary>The claim that lists the scopes (space-separated, or one claim per scope).</summary>
    public string ScopeClaim { get; set; } = "scope";

    /// <summary>Whether the authority may be plain HTTP (development only).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
