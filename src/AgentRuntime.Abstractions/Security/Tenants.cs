using System.Text.RegularExpressions;

namespace AgentRuntime.Security;

/// <summary>
/// Tenant ids: who owns a session. Every session belongs to the tenant of the credential that created it; a caller
/// sees only its own tenant's sessions unless it has the <see cref="ApiScopes.Admin"/> scope.
/// </summary>
public static partial class Tenants
{
    /// <summary>The tenant of the key the runtime makes on first start, of <c>Auth:Mode = none</c>, and of sessions made before tenants existed.</summary>
    public const string Default = "default";

    /// <summary>The longest tenant id.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="tenantId"/> is 1–64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit.</summary>
    public static bool IsValid(string? tenantId) => tenantId is { Length: > 0 and <= MaxLength } && ValidPattern().IsMatch(tenantId);

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="tenantId"/> is not valid.</summary>
    public static string Validate(string? tenantId, string parameterName) => IsValid(tenantId)
        ? tenantId!
        : throw new ArgumentException($"A tenant id is 1 to {MaxLength} letters, digits, '.', '_' or '-', starting with a letter or digit; got '{tenantId}'.", parameterName);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidPattern();
}

/// <summary>What a credential may do.</summary>
public static class ApiScopes
{
    /// <summary>Create, use and delete the sessions of the credential's tenant.</summary>
    public const string Sessions = "sessions";

    /// <summary>Everything: every tenant's sessions, and the API keys.</summary>
    public const string Admin = "admin";

    /// <summary>The scopes there are.</summary>
    public static IReadOnlyList<string> All { get; } = [Sessions, Admin];
}
