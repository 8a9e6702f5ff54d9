using System.Net.Http.Json;
using AgentRuntime.Api;
using AgentRuntime.Serialization;

namespace AgentRuntime.Client;

// Who the caller is, and the API keys (admin only): the secret of a key is in the answer that creates it, and nowhere else.
public sealed partial class AgentRuntimeClient
{
    /// <summary><c>GET /api/me</c>: the tenant and scopes of the credential the client sends; use it to check a key.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caller's tenant, scopes, key id (for an API key) and the server's auth mode.</returns>
    /// <exception cref="AgentRuntimeApiException">401 for no credential, or one that is invalid or revoked.</exception>
    public Task<CallerInfo> GetMeAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/me", AgentRuntimeJsonContext.Default.CallerInfo, cancellationToken);

    /// <summary><c>POST /api/keys</c>: makes an API key. Needs the <c>admin</c> scope.</summary>
    /// <param name="body">
    /// The key's tenant (the caller's own when absent), scopes (<c>sessions</c> when absent) and a name for people.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The key, with its secret in <see cref="CreatedApiKey.Key"/>: the only time the server gives it out.</returns>
    /// <exception cref="AgentRuntimeApiException">400 for an invalid tenant id, scope or name; 403 without the admin scope.</exception>
    public Task<CreatedApiKey> CreateKeyAsync(CreateApiKeyBody body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SendAsync(
            HttpMethod.Post,
            "api/keys",
            JsonContent.Create(body, AgentRuntimeJsonContext.Default.CreateApiKeyBody),
            AgentRuntimeJsonContext.Default.CreatedApiKey,
            cancellationToken);
    }

    /// <summary><c>GET /api/keys</c>: every API key, without secrets. Needs the <c>admin</c> scope.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">403 without the admin scope.</exception>
    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        ListKeysAsync(tenantId: null, cancellationToken);

    /// <summary><c>GET /api/keys?tenantId=</c>: the API keys of one tenant, without secrets. Needs the <c>admin</c> scope.</summary>
    /// <param name="tenantId">The tenant; <see langword="null"/> for every tenant's.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">403 without the admin scope.</exception>
    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string? tenantId, CancellationToken cancellationToken = default) =>
        GetAsync(WithTenant("api/keys", tenantId), AgentRuntimeJsonContext.Default.IReadOnlyListApiKeyInfo, cancellationToken);

    /// <summary>
    /// <c>DELETE /api/keys/{keyId}</c>: revokes an API key. Needs the <c>admin</c> scope. The key fails from the next
    /// request on, and the server closes the event streams and hub connections open with it.
    /// </summary>
    /// <param name="keyId">The key's public id (<see cref="ApiKeyInfo.KeyId"/>), not the key itself.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Whether the key existed.</returns>
    /// <exception cref="AgentRuntimeApiException">403 without the admin scope.</exception>
    public async Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        try
        {
            using var response = await SendRawAsync(HttpMethod.Delete, $"api/keys/{Escape(keyId)}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AgentRuntimeApiException ex) when (IsNotFound(ex))
        {
            return false;
        }
    }
}
