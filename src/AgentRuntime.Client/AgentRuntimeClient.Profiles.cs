using System.Net.Http.Json;
using System.Text.Json;
using AgentRuntime.Api;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Client;

// Writing profiles and reading their versions. Each save that changes a profile is a new version; a session keeps the
// version it started with until it is moved (SetSessionProfileVersionAsync).
public sealed partial class AgentRuntimeClient
{
    /// <summary><c>POST /api/profiles</c>: adds a profile, as version 1.</summary>
    /// <param name="profile">The profile. A tenant's caller may leave <see cref="AgentProfile.TenantId"/> out: it becomes the caller's tenant.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The profile as stored, with its version.</returns>
    /// <exception cref="AgentRuntimeApiException">
    /// 400 for an invalid profile (<see cref="AgentRuntimeApiException.Errors"/> names each problem by its field), 409 when
    /// the id is taken, 403 for another tenant's profile.
    /// </exception>
    public Task<StoredProfile> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return SendAsync(HttpMethod.Post, "api/profiles", ProfileContent(profile), AgentRuntimeJsonContext.Default.StoredProfile, cancellationToken);
    }

    /// <summary><c>PUT /api/profiles/{id}</c>: saves a new version of a profile (none when nothing changed).</summary>
    /// <param name="profile">The profile; its id names the one to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The profile as stored, with its version.</returns>
    /// <exception cref="AgentRuntimeApiException">
    /// 400 for an invalid profile (see <see cref="AgentRuntimeApiException.Errors"/>), 404 when there is no such profile
    /// (or it is another tenant's), 403 for a global profile when the caller is not an admin.
    /// </exception>
    public Task<StoredProfile> UpdateProfileAsync(AgentProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return SendAsync(HttpMethod.Put, $"api/profiles/{Escape(profile.Id)}", ProfileContent(profile), AgentRuntimeJsonContext.Default.StoredProfile, cancellationToken);
    }

    /// <summary>
    /// <c>DELETE /api/profiles/{id}</c>: deletes a profile; no new session can use it. Sessions that run on it keep their
    /// version, which <see cref="GetProfileVersionAsync"/> still reads.
    /// </summary>
    /// <param name="profileId">The profile's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such profile; 403 for a global one when the caller is not an admin.</exception>
    public async Task DeleteProfileAsync(string profileId, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, $"api/profiles/{Escape(profileId)}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/profiles/{id}?version=N</c>: one version of a profile (also of a deleted one).</summary>
    /// <param name="profileId">The profile's id.</param>
    /// <param name="version">The version's number.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such version.</exception>
    public Task<AgentProfile> GetProfileVersionAsync(string profileId, int version, CancellationToken cancellationToken = default) =>
        GetAsync($"api/profiles/{Escape(profileId)}?version={version.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            AgentRuntimeJsonContext.Default.AgentProfile, cancellationToken);

    /// <summary><c>GET /api/profiles/{id}/versions</c>: a profile's versions, oldest first.</summary>
    /// <param name="profileId">The profile's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such profile.</exception>
    public Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken = default) =>
        GetAsync($"api/profiles/{Escape(profileId)}/versions", AgentRuntimeJsonContext.Default.IReadOnlyListProfileVersionInfo, cancellationToken);

    /// <summary>
    /// <c>PATCH /api/sessions/{id}</c> with <c>profileVersion</c>: moves a session to a version of its profile, the latest
    /// when <paramref name="version"/> is null. Its next turn runs on it; the budget is left as it is.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="version">The version's number, or null for the latest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The session's metadata.</returns>
    /// <exception cref="AgentRuntimeApiException">400 when the profile has no such version; 404 for no such session.</exception>
    public Task<SessionMetadata> SetSessionProfileVersionAsync(string sessionId, int? version, CancellationToken cancellationToken = default)
    {
        using var document = JsonDocument.Parse(version is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "\"latest\"");
        var value = document.RootElement.Clone();
        return SendAsync(
            HttpMethod.Patch,
            $"api/sessions/{Escape(sessionId)}",
            JsonContent.Create(new UpdateSessionBody(null, value), AgentRuntimeJsonContext.Default.UpdateSessionBody),
            AgentRuntimeJsonContext.Default.SessionMetadata,
            cancellationToken);
    }

    private static JsonContent ProfileContent(AgentProfile profile) => JsonContent.Create(profile, AgentRuntimeJsonContext.Default.AgentProfile);
}
