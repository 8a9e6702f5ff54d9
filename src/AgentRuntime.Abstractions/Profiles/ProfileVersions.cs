namespace AgentRuntime.Profiles;

/// <summary>One stored version of a profile: the profile as saved, its number and when it was saved.</summary>
/// <param name="Profile">The profile as saved.</param>
/// <param name="Version">Its number: 1 for a profile's first save, one more for each save that changed it.</param>
/// <param name="CreatedAt">When it was saved (for versions that existed before versions did, when the store was migrated).</param>
public sealed record StoredProfile(AgentProfile Profile, int Version, DateTimeOffset CreatedAt);

/// <summary>A version of a profile as <c>GET /api/profiles/{id}/versions</c> lists it.</summary>
/// <param name="Version">Its number.</param>
/// <param name="CreatedAt">When it was saved.</param>
public sealed record ProfileVersionInfo(int Version, DateTimeOffset CreatedAt);
