using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Profiles;

/// <summary>
/// What a profile needs installed before its agent starts: its own and its skills' npm and pip packages, and the bundled
/// MCP servers that have an install command, from the configured registries through the profile's network. Two profiles
/// (or versions) that need the same share one layer: <see cref="Hash"/> names it.
/// </summary>
internal sealed class DependencyLayerPlan
{
    private const int Format = 1;

    private DependencyLayerPlan(
        IReadOnlyList<string> npm, IReadOnlyList<string> pip, IReadOnlyList<ProfileBundledMcp> servers, SandboxNetworkPolicy network, DependencyLayerOptions options)
    {
        Npm = npm;
        Pip = pip;
        Servers = servers;
        Network = network;
        NpmRegistry = options.NpmRegistry is { Length: > 0 } npmRegistry ? npmRegistry : null;
        PipIndexUrl = options.PipIndexUrl is { Length: > 0 } pipIndex ? pipIndex : null;
        Hash = ComputeHash();
    }

    /// <summary>npm packages, each once, in order.</summary>
    public IReadOnlyList<string> Npm { get; }

    /// <summary>pip packages, each once, in order.</summary>
    public IReadOnlyList<string> Pip { get; }

    /// <summary>The bundled MCP servers to install, with their files.</summary>
    public IReadOnlyList<ProfileBundledMcp> Servers { get; }

    /// <summary>The network the installation may use: the profile's.</summary>
    public SandboxNetworkPolicy Network { get; }

    /// <summary>The configured npm registry, if any.</summary>
    public string? NpmRegistry { get; }

    /// <summary>The configured Python package index, if any.</summary>
    public string? PipIndexUrl { get; }

    /// <summary>
    /// The layer's name: a hash of everything that decides its content — the packages, the servers' files and commands,
    /// the registries and the network they are reached through.
    /// </summary>
    public string Hash { get; }

    /// <summary>What the profile needs installed, or <see langword="null"/> when nothing.</summary>
    public static DependencyLayerPlan? For(AgentProfile profile, DependencyLayerOptions options)
    {
        var skills = profile.Skills ?? [];
        var npm = Distinct((profile.NpmDependencies ?? []).Concat(skills.SelectMany(s => s.NpmDependencies ?? [])));
        var pip = Distinct((profile.PipDependencies ?? []).Concat(skills.SelectMany(s => s.PipDependencies ?? [])));
        var servers = (profile.BundledMcps ?? []).Where(s => s.InstallCommand is { Length: > 0 }).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        return npm.Count == 0 && pip.Count == 0 && servers.Count == 0 ? null : new DependencyLayerPlan(npm, pip, servers, profile.Network, options);
    }

    /// <summary>A short description for people: <c>npm: a, b; pip: c; MCP servers: d</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Npm.Count > 0)
        {
            parts.Add($"npm: {string.Join(", ", Npm)}");
        }

        if (Pip.Count > 0)
        {
            parts.Add($"pip: {string.Join(", ", Pip)}");
        }

        if (Servers.Count > 0)
        {
            parts.Add($"MCP servers: {string.Join(", ", Servers.Select(s => s.Name))}");
        }

        return string.Join("; ", parts);
    }

    private static List<string> Distinct(IEnumerable<string> packages) => packages.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private string ComputeHash()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
            Strings(json, "npm", Npm);
            Strings(json, "pip", Pip);
            json.WriteString("npmRegistry", NpmRegistry);
            json.WriteString("pipIndexUrl", PipIndexUrl);
            json.WriteString("network", Network.ToString());
            json.WriteStartArray("servers");
            foreach (var server in Servers)
            {
                json.WriteStartObject();
                json.WriteString("name", server.Name);
                json.WriteString("installCommand", server.InstallCommand);
                json.WriteStartObject("files");
                foreach (var (path, content) in server.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    json.WriteString(path, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))));
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()))[..32];
    }

    private static void Strings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
