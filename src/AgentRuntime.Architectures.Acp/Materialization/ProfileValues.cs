using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Acp.Materialization;

/// <summary>The text of a profile's environment values and headers: plain values as they are, secret references resolved.</summary>
internal static class ProfileValues
{
    /// <summary>The value, or the secret it refers to.</summary>
    /// <exception cref="AgentException">A secret the runtime did not resolve (<c>missing_secret</c>).</exception>
    public static string Resolve(ProfileEnvironmentValue value, IReadOnlyDictionary<string, string> secrets) =>
        value.SecretRef is { } name
            ? secrets.TryGetValue(name, out var secret)
                ? secret
                : throw new AgentException($"The profile refers to the secret '{name}', which was not resolved for this session.", "missing_secret")
            : value.Value ?? "";

    /// <summary>Every value resolved, by name, in the profile's order; empty when there are none.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Resolve(IReadOnlyDictionary<string, ProfileEnvironmentValue>? values, IReadOnlyDictionary<string, string> secrets) =>
        values is null ? [] : [.. values.Select(v => KeyValuePair.Create(v.Key, Resolve(v.Value, secrets)))];
}
