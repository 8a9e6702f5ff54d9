using AgentRuntime.Architectures;
using Microsoft.Extensions.Configuration;

namespace AgentRuntime.Profiles;

/// <summary>
/// The secrets a profile's environment refers to (<c>{"secretRef": "NAME"}</c>), from <c>AgentRuntime:Secrets:NAME</c>.
/// Unlike model keys, a secret given to an agent is visible inside its sandbox: profile authors choose it knowingly.
/// </summary>
internal sealed class ProfileSecrets(IConfiguration configuration)
{
    public const string SectionName = "AgentRuntime:Secrets";

    /// <summary>The values of every secret the profile refers to, by name.</summary>
    /// <exception cref="AgentException">A referenced secret is not configured (<c>missing_secret</c>).</exception>
    public IReadOnlyDictionary<string, string> Resolve(AgentProfile profile)
    {
        var section = configuration.GetSection(SectionName);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in References(profile))
        {
            secrets[name] = section[name] is { } value
                ? value
                : throw new AgentException($"The profile '{profile.Id}' refers to the secret '{name}', which the runtime does not hold ({SectionName}:{name}).", "missing_secret");
        }

        return secrets;
    }

    /// <summary>Every secret name the profile refers to: its environment, and its MCP servers' environments and headers.</summary>
    public static IEnumerable<string> References(AgentProfile profile) =>
        new[] { profile.EnvironmentVariables }
            .Concat(profile.ExternalMcps?.SelectMany(m => new[] { m.Env, m.Headers }) ?? [])
            .Concat(profile.BundledMcps?.Select(m => m.Env) ?? [])
            .SelectMany(values => values?.Values ?? [])
            .Select(v => v.SecretRef)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
}
