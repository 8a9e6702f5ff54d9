using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Claude.Profiles;

/// <summary>A profile's environment values as the agent gets them: plain values, and secrets resolved.</summary>
internal static class ProfileValues
{
    public static string Resolve(ProfileEnvironmentValue value, IReadOnlyDictionary<string, string> secrets, string field)
    {
        if (value.SecretRef is not { } name)
        {
            return value.Value ?? "";
        }

        // The core resolves every reference before it connects; a missing one here is a caller's mistake, said plainly.
        return secrets.TryGetValue(name, out var secret)
            ? secret
            : throw new AgentException($"{field} refers to the secret '{name}', which the runtime does not hold (AgentRuntime:Secrets:{name}).", "missing_secret");
    }

    public static IEnumerable<KeyValuePair<string, string>> Resolve(IReadOnlyDictionary<string, ProfileEnvironmentValue>? values, IReadOnlyDictionary<string, string> secrets, string field) =>
        (values ?? new Dictionary<string, ProfileEnvironmentValue>())
            .Select(v => KeyValuePair.Create(v.Key, Resolve(v.Value, secrets, $"{field}.{v.Key}")));
}
