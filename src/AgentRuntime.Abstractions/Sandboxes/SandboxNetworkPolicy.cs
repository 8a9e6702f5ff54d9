using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRuntime.Sandboxes;

/// <summary>
/// What a sandbox's processes may reach on the network. On the wire (profiles) it is one of the strings
/// <c>"none"</c>, <c>"model-only"</c> (the default), <c>"host"</c>, or an object <c>{"allow": ["host", "host:port"]}</c>.
/// </summary>
[JsonConverter(typeof(SandboxNetworkPolicyJsonConverter))]
public sealed record SandboxNetworkPolicy
{
    /// <summary>No network at all, not even the model: only for agents whose model needs none.</summary>
    public static readonly SandboxNetworkPolicy None = new() { Mode = SandboxNetworkMode.None };

    /// <summary>The model API through the runtime's proxy, nothing else (the default).</summary>
    public static readonly SandboxNetworkPolicy ModelOnly = new() { Mode = SandboxNetworkMode.ModelOnly };

    /// <summary>The host's own network, unrestricted: the agent can reach whatever the server can.</summary>
    public static readonly SandboxNetworkPolicy Host = new() { Mode = SandboxNetworkMode.Host };

    /// <summary>The mode.</summary>
    public SandboxNetworkMode Mode { get; init; } = SandboxNetworkMode.ModelOnly;

    /// <summary>
    /// With <see cref="SandboxNetworkMode.Allowlist"/>, the hosts reachable through the runtime's egress proxy besides
    /// the model: <c>name</c> (any port) or <c>name:port</c>; a leading <c>*.</c> matches every subdomain.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>A policy that allows the model and the given hosts.</summary>
    public static SandboxNetworkPolicy Allow(params IReadOnlyList<string> hosts) =>
        new() { Mode = SandboxNetworkMode.Allowlist, AllowedHosts = hosts };

    /// <summary>Whether the sandbox gets the runtime's bridge (model proxy and egress proxy).</summary>
    [JsonIgnore]
    public bool UsesBridge => Mode is SandboxNetworkMode.ModelOnly or SandboxNetworkMode.Allowlist;

    /// <inheritdoc />
    public bool Equals(SandboxNetworkPolicy? other) =>
        other is not null && Mode == other.Mode && AllowedHosts.SequenceEqual(other.AllowedHosts, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Mode, AllowedHosts.Count);

    /// <inheritdoc />
    public override string ToString() => Mode switch
    {
        SandboxNetworkMode.None => "none",
        SandboxNetworkMode.ModelOnly => "model-only",
        SandboxNetworkMode.Host => "host",
        _ => $"allow [{string.Join(", ", AllowedHosts)}]",
    };
}

/// <summary>The kinds of network a sandbox can have.</summary>
public enum SandboxNetworkMode
{
    /// <summary>Loopback only.</summary>
    None,

    /// <summary>Loopback and the runtime's model proxy.</summary>
    ModelOnly,

    /// <summary>Loopback, the model proxy, and the allowed hosts through the egress proxy.</summary>
    Allowlist,

    /// <summary>The host's network.</summary>
    Host,
}

/// <summary>Reads and writes <see cref="SandboxNetworkPolicy"/> in its wire form.</summary>
internal sealed class SandboxNetworkPolicyJsonConverter : JsonConverter<SandboxNetworkPolicy>
{
    public override SandboxNetworkPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString() switch
            {
                "none" => SandboxNetworkPolicy.None,
                "model-only" => SandboxNetworkPolicy.ModelOnly,
                "host" => SandboxNetworkPolicy.Host,
                var other => throw new JsonException($"network '{other}' is not one of \"none\", \"model-only\", \"host\" or {{\"allow\": [hosts]}}."),
            };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("network must be \"none\", \"model-only\", \"host\" or {\"allow\": [hosts]}.");
        }

        List<string>? hosts = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name != "allow" || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException($"network object has '{name}'; the only member is \"allow\": [hosts].");
            }

            hosts = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var host = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("network.allow holds host names as strings.");
                hosts.Add(SandboxHostPattern.Validate(host));
            }
        }

        return SandboxNetworkPolicy.Allow(hosts ?? throw new JsonException("network object needs \"allow\": [hosts]."));
    }

    public override void Write(Utf8JsonWriter writer, SandboxNetworkPolicy value, JsonSerializerOptions options)
    {
        switch (value.Mode)
        {
            case SandboxNetworkMode.None:
                writer.WriteStringValue("none");
                break;
            case SandboxNetworkMode.ModelOnly:
                writer.WriteStringValue("model-only");
                break;
            case SandboxNetworkMode.Host:
                writer.WriteStringValue("host");
                break;
            default:
                writer.WriteStartObject();
                writer.WriteStartArray("allow");
                foreach (var host in value.AllowedHosts)
                {
                    writer.WriteStringValue(host);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
        }
    }
}

/// <summary>The rules for an allowlist entry: a DNS name or IP literal, optionally <c>*.</c> in front and <c>:port</c> after.</summary>
public static class SandboxHostPattern
{
    /// <summary>Returns the entry in lower case, or throws <see cref="JsonException"/> saying what is wrong with it.</summary>
    public static string Validate(string entry)
    {
        var value = entry.Trim().ToLowerInvariant();
        var host = value;
        var colon = value.LastIndexOf(':');
        if (colon > 0 && !value.EndsWith(']') && value.Count(c => c == ':') == 1)
        {
            host = value[..colon];
            if (!int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new JsonException($"network.allow entry '{entry}' has a port that is not 1-65535.");
            }
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        if (name.Length is 0 or > 253 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
        {
            throw new JsonException($"network.allow entry '{entry}' is not a host name, IPv4 address, '*.name' or 'name:port'.");
        }

        return value;
    }
}
