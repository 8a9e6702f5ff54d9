namespace AgentRuntime.Security;

/// <summary>
/// An API key as the store keeps it: its public id, whom it speaks for, and a hash of its secret; never the secret.
/// A key is written <c>ar_&lt;KeyId&gt;.&lt;secret&gt;</c>; the id finds the record and the secret is checked against
/// <see cref="SecretHash"/>.
/// </summary>
public sealed record ApiKeyRecord
{
    /// <summary>The key's public id (16 lowercase hex characters); safe to show and log.</summary>
    public required string KeyId { get; init; }

    /// <summary>The tenant whose sessions the key reaches.</summary>
    public required string TenantId { get; init; }

    /// <summary>What the key may do: <see cref="ApiScopes.Sessions"/> and/or <see cref="ApiScopes.Admin"/>.</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>A label for people (who or what uses the key).</summary>
    public string? Name { get; init; }

    /// <summary>The SHA-256 of the secret, as lowercase hex.</summary>
    public required string SecretHash { get; init; }

    /// <summary>When the key was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
