using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AgentRuntime.Api;
using AgentRuntime.Persistence;

namespace AgentRuntime.Security;

/// <summary>
/// Issues, checks and revokes API keys. A key is <c>ar_&lt;id&gt;.&lt;secret&gt;</c>: 8 random bytes of public id in hex
/// and 32 random bytes of secret in base64url. The store keeps the secret's SHA-256 only; a fast hash is enough for a
/// 256-bit random secret, which no dictionary holds (a slow password hash protects guessable secrets, and would cost
/// every request tens of milliseconds). Revoking a key also ends the streams and hub connections open with it.
/// </summary>
internal sealed class ApiKeys(IAgentStore store, TimeProvider time)
{
    public const string Prefix = "ar_";
    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _watches = new(StringComparer.Ordinal);

    /// <summary>Makes a key; the secret is in the answer and nowhere else.</summary>
    /// <exception cref="ArgumentException">A tenant id or scope is not valid.</exception>
    public async Task<CreatedApiKey> CreateAsync(string tenantId, IReadOnlyList<string> scopes, string? name, CancellationToken cancellationToken)
    {
        Tenants.Validate(tenantId, nameof(tenantId));
        if (scopes.Count == 0)
        {
            throw new ArgumentException("A key needs at least one scope: sessions or admin.", nameof(scopes));
        }

        if (scopes.FirstOrDefault(s => !ApiScopes.All.Contains(s)) is { } unknown)
        {
            throw new ArgumentException($"'{unknown}' is not a scope; the scopes are {string.Join(" and ", ApiScopes.All)}.", nameof(scopes));
        }

        if (name is { Length: > 200 })
        {
            throw new ArgumentException("A key's name is at most 200 characters.", nameof(name));
        }

        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        var record = new ApiKeyRecord
        {
            KeyId = keyId,
            TenantId = tenantId,
            Scopes = [.. scopes.Distinct(StringComparer.Ordinal)],
            Name = name,
            SecretHash = Hash(secret),
            CreatedAt = time.GetUtcNow(),
        };
        await store.CreateApiKeyAsync(record, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(record.KeyId, record.TenantId, record.Scopes, record.Name, record.CreatedAt, $"{Prefix}{keyId}.{secret}");
    }

    /// <summary>The key a token names, when its secret matches; otherwise null.</summary>
    public async Task<ApiKeyRecord?> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        if (!TryParseToken(token, out var keyId, out var secret))
        {
            return null;
        }

        var record = await store.GetApiKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        return record is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(record.SecretHash), Encoding.ASCII.GetBytes(Hash(secret)))
            ? record
            : null;
    }

    /// <summary>Deletes a key; what is open with it closes.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var existed = await store.DeleteApiKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (_watches.TryRemove(keyId, out var watch))
        {
            await watch.CancelAsync().ConfigureAwait(false);
            watch.Dispose();
        }

        return existed;
    }

    /// <summary>
    /// A token cancelled when the key is revoked, for a stream or connection opened with it; already cancelled when the
    /// key is gone (revoked between the request's authentication and now).
    /// </summary>
    public async Task<CancellationToken> WatchAsync(string keyId, CancellationToken cancellationToken)
    {
        var token = _watches.GetOrAdd(keyId, _ => new CancellationTokenSource()).Token;
        return await store.GetApiKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is null ? new CancellationToken(canceled: true) : token;
    }

    /// <summary>Splits <c>ar_&lt;id&gt;.&lt;secret&gt;</c>; false for anything else.</summary>
    private static bool TryParseToken(string token, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return false;
        }

        var dot = token.IndexOf('.', Prefix.Length);
        if (dot != Prefix.Length + (IdBytes * 2) || dot == token.Length - 1)
        {
            return false;
        }

        keyId = token[Prefix.Length..dot];
        secret = token[(dot + 1)..];
        return keyId.All(char.IsAsciiHexDigitLower);
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
