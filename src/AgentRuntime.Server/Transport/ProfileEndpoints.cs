using System.Globalization;
using System.Security.Claims;
using AgentRuntime.Api;
using AgentRuntime.OpenApi;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AgentRuntime.Transport;

/// <summary>
/// The agent profiles: read by anyone with the sessions scope (the global ones and their own tenant's), written by an
/// admin (any profile) or by a tenant's caller (its own tenant's only). Every save that changes a profile is a new
/// version; sessions keep the version they started with (<c>docs/protocol.md</c>).
/// </summary>
internal static class ProfileEndpoints
{
    public static void MapProfileApi(this RouteGroupBuilder api)
    {
        var profiles = api.MapGroup("/profiles").WithTags("Profiles");
        profiles.MapGet("", async (ClaimsPrincipal user, IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Ok((await sessions.ListProfilesAsync(Caller.From(user).TenantFilter, ct)).Select(p => new AgentProfileSummary(p.Id, p.Name, p.Description)).ToList()))
            .WithName("ListProfiles").WithSummary("The profiles the caller may use: the global ones and its tenant's.");
        profiles.MapPost("", CreateAsync).AcceptsJson<AgentProfile>().ProducesProblems(StatusCodes.Status409Conflict)
            .WithName("CreateProfile").WithSummary("Creates a profile (version 1).");
        profiles.MapGet("/{id}", GetAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .WithName("GetProfile").WithSummary("The profile's latest version, or with ?version=N that version (of a deleted profile too).");
        profiles.MapPut("/{id}", UpdateAsync).AcceptsJson<AgentProfile>().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("UpdateProfile").WithSummary("Saves the profile: a new version when anything changed.");
        profiles.MapDelete("/{id}", DeleteAsync).ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("DeleteProfile").WithSummary("Deletes the profile; sessions on it keep their version.");
        profiles.MapGet("/{id}/versions", async Task<Results<Ok<IReadOnlyList<ProfileVersionInfo>>, ProblemHttpResult>> (string id, ClaimsPrincipal user, IAgentSessionManager sessions, IAgentStore store, CancellationToken ct) =>
            await sessions.GetProfileAsync(id, Caller.From(user).TenantFilter, ct) is null
                ? NotFound(id)
                : TypedResults.Ok(await store.ListProfileVersionsAsync(id, ct)))
            .ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("ListProfileVersions").WithSummary("The profile's versions, oldest first.");
    }

    // ?version=N reads a numbered version, also of a deleted profile: what a session that runs on it runs on.
    private static async Task<Results<Ok<AgentProfile>, ProblemHttpResult>> GetAsync(string id, string? version, ClaimsPrincipal user, IAgentSessionManager sessions, CancellationToken ct)
    {
        int? number = null;
        if (version is not null)
        {
            number = int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                ? n
                : throw new BadRequestException($"'version' must be a whole number from 1, not '{version}'.");
        }

        return await sessions.GetProfileVersionAsync(id, number, Caller.From(user).TenantFilter, ct) is { } stored
            ? TypedResults.Ok(stored.Profile)
            : ProblemMapping.Problem(StatusCodes.Status404NotFound, "Profile not found",
                number is null ? $"Profile '{id}' was not found." : $"Profile '{id}' has no version {number}.");
    }

    private static async Task<Results<Created<StoredProfile>, ProblemHttpResult>> CreateAsync(HttpRequest request, ClaimsPrincipal user, IAgentStore store, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var profile = await ReadProfileAsync(request, ct);
        if (OwnedBy(caller, profile) is not { } owned)
        {
            return ForeignTenant();
        }

        // Ids are one namespace across tenants (a session names its profile by id alone), so an id another tenant took
        // is taken for this one too; the store checks and saves as one step, so of two creates racing one gets the 409.
        if (await store.CreateProfileAsync(owned, ct) is not { } version)
        {
            return ProblemMapping.Problem(StatusCodes.Status409Conflict, "Profile exists",
                $"A profile with id '{owned.Id}' exists: change it with PUT /api/profiles/{owned.Id}, or choose another id.");
        }

        var saved = await ReadBackAsync(store, owned.Id, version, ct);
        return TypedResults.Created($"/api/profiles/{Uri.EscapeDataString(owned.Id)}", saved);
    }

    private static async Task<Results<Ok<StoredProfile>, ProblemHttpResult>> UpdateAsync(string id, HttpRequest request, ClaimsPrincipal user, IAgentStore store, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (await CheckWritableAsync(id, caller, store, ct) is { } refused)
        {
            return refused;
        }

        var profile = await ReadProfileAsync(request, ct);
        if (profile.Id != id)
        {
            throw new ProfileValidationException([$"id: is '{profile.Id}', but the URL names profile '{id}'; a profile's id cannot change."]);
        }

        return OwnedBy(caller, profile) is { } owned ? TypedResults.Ok(await SaveAsync(store, owned, ct)) : ForeignTenant();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, ClaimsPrincipal user, IAgentStore store, CancellationToken ct) =>
        await CheckWritableAsync(id, Caller.From(user), store, ct) is { } refused ? refused
            : await store.DeleteProfileAsync(id, ct) ? TypedResults.NoContent()
            : NotFound(id);

    /// <summary>
    /// Why the caller may not change or delete a stored profile, or null when it may: another tenant's profile is not
    /// found (as another tenant's session is), and a global one is the admin's to change.
    /// </summary>
    private static async Task<ProblemHttpResult?> CheckWritableAsync(string id, Caller caller, IAgentStore store, CancellationToken ct)
    {
        var existing = await store.GetProfileAsync(id, ct);
        if (existing is null || (existing.TenantId is { } owner && !caller.CanSee(owner)))
        {
            return NotFound(id);
        }

        return existing.TenantId is null && !caller.IsAdmin
            ? ProblemMapping.Problem(StatusCodes.Status403Forbidden, "Forbidden", $"Profile '{id}' is global: only an admin may change it.")
            : null;
    }

    /// <summary>
    /// The profile as the caller may save it: an admin's as written (global, or any tenant's), a tenant's caller's as its
    /// own tenant's (a profile that names no tenant becomes the caller's); null when it names another tenant.
    /// </summary>
    private static AgentProfile? OwnedBy(Caller caller, AgentProfile profile)
    {
        if (caller.IsAdmin)
        {
            if (profile.TenantId is { } tenantId)
            {
                Tenants.Validate(tenantId, "tenantId");
            }

            return profile;
        }

        return profile.TenantId is null || profile.TenantId == caller.TenantId ? profile with { TenantId = caller.TenantId } : null;
    }

    private static async Task<AgentProfile> ReadProfileAsync(HttpRequest request, CancellationToken ct) =>
        ProfileValidator.Parse(await RequestBodies.ReadBytesAsync(request, ProfileValidator.MaxProfileBytes, "the largest profile", ct));

    private static async Task<StoredProfile> SaveAsync(IAgentStore store, AgentProfile profile, CancellationToken ct) =>
        await ReadBackAsync(store, profile.Id, await store.SaveProfileAsync(profile, ct), ct);

    private static async Task<StoredProfile> ReadBackAsync(IAgentStore store, string id, int version, CancellationToken ct) =>
        await store.GetProfileVersionAsync(id, version, ct)
            ?? throw new InvalidOperationException($"Profile '{id}' version {version} was saved but cannot be read back.");

    private static ProblemHttpResult ForeignTenant() =>
        ProblemMapping.Problem(StatusCodes.Status403Forbidden, "Forbidden", "A tenant's caller writes profiles of its own tenant only: leave tenantId out, or set it to yours.");

    private static ProblemHttpResult NotFound(string id) =>
        ProblemMapping.Problem(StatusCodes.Status404NotFound, "Profile not found", $"Profile '{id}' was not found.");
}
