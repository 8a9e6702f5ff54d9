using System.Text.Json;
using System.Text.Json.Serialization;

// The parts of a profile that turn a generic agent into a product, side by side as the profile documents them.
namespace AgentRuntime.Profiles;

/// <summary>A skill: instructions the agent loads when a task calls for them, with the files they use.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileSkill
{
    /// <summary>The skill's name (lower case, digits, <c>-</c> and <c>_</c>); its folder's name.</summary>
    public required string Name { get; init; }

    /// <summary>When to use it; the agent reads this to decide.</summary>
    public required string Description { get; init; }

    /// <summary>The body of its <c>SKILL.md</c>, after the front matter the runtime writes.</summary>
    public required string Body { get; init; }

    /// <summary>Supporting files, by path relative to the skill's folder: scripts, references, templates.</summary>
    public IReadOnlyDictionary<string, string>? Files { get; init; }

    /// <summary>npm packages its scripts need (<c>name</c> or <c>name@version</c>).</summary>
    public IReadOnlyList<string>? NpmDependencies { get; init; }

    /// <summary>pip packages its scripts need (<c>name</c> or <c>name==version</c>).</summary>
    public IReadOnlyList<string>? PipDependencies { get; init; }
}

/// <summary>A subagent the agent may hand work to.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileSubagent
{
    /// <summary>Its name, as the agent calls it.</summary>
    public required string Name { get; init; }

    /// <summary>When to use it.</summary>
    public required string Description { get; init; }

    /// <summary>Its system prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>Its model; the agent's when absent.</summary>
    public string? Model { get; init; }

    /// <summary>The tools it may use; the agent's when absent.</summary>
    public IReadOnlyList<string>? Tools { get; init; }
}

/// <summary>A slash command: <c>/name</c> in a message expands to its prompt.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileCommand
{
    /// <summary>The command's name, without the slash.</summary>
    public required string Name { get; init; }

    /// <summary>The prompt it expands to; <c>$ARGUMENTS</c> stands for what follows the command.</summary>
    public required string Prompt { get; init; }

    /// <summary>What it does, as command lists show it.</summary>
    public string? Description { get; init; }
}

/// <summary>An MCP server the agent reaches from outside the profile's own files: a command to run, or a URL.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileExternalMcp
{
    /// <summary>The server's name, as its tools are prefixed.</summary>
    public required string Name { get; init; }

    /// <summary><c>stdio</c> (a command run in the sandbox), <c>http</c> or <c>sse</c> (a URL the sandbox's network allows).</summary>
    public string Type { get; init; } = "stdio";

    /// <summary>The command of a <c>stdio</c> server.</summary>
    public string? Command { get; init; }

    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Its environment.</summary>
    public IReadOnlyDictionary<string, ProfileEnvironmentValue>? Env { get; init; }

    /// <summary>The URL of an <c>http</c> or <c>sse</c> server.</summary>
    public string? Url { get; init; }

    /// <summary>Headers sent to an <c>http</c> or <c>sse</c> server.</summary>
    public IReadOnlyDictionary<string, ProfileEnvironmentValue>? Headers { get; init; }
}

/// <summary>
/// An MCP server project that ships with the profile: its files are copied into the sandbox, installed once per
/// profile version, and started inside the sandbox as a stdio server of the agent.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProfileBundledMcp
{
    /// <summary>The server's name, as its tools are prefixed; its folder's name.</summary>
    public required string Name { get; init; }

    /// <summary>The project's files, by path relative to its folder.</summary>
    public required IReadOnlyDictionary<string, string> Files { get; init; }

    /// <summary>Run once in the project's folder to install it, such as <c>npm install</c>.</summary>
    public string? InstallCommand { get; init; }

    /// <summary>The command that starts the server, run in the project's folder.</summary>
    public required string Command { get; init; }

    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Its environment.</summary>
    public IReadOnlyDictionary<string, ProfileEnvironmentValue>? Env { get; init; }
}

/// <summary>
/// An environment variable's value: plain text (<c>"value"</c>), or a secret the runtime's configuration holds
/// (<c>{"secretRef": "NAME"}</c>, from <c>AgentRuntime:Secrets:NAME</c>). Either way the agent can read it: unlike model
/// keys, which never enter the sandbox.
/// </summary>
[JsonConverter(typeof(ProfileEnvironmentValueJsonConverter))]
public sealed record ProfileEnvironmentValue
{
    /// <summary>The value itself.</summary>
    public string? Value { get; init; }

    /// <summary>The name of the runtime's secret that holds the value.</summary>
    public string? SecretRef { get; init; }

    /// <summary>A plain value.</summary>
    public static implicit operator ProfileEnvironmentValue(string value) => new() { Value = value };
}

/// <summary>Reads and writes <see cref="ProfileEnvironmentValue"/> as a string or <c>{"secretRef": "NAME"}</c>.</summary>
internal sealed class ProfileEnvironmentValueJsonConverter : JsonConverter<ProfileEnvironmentValue>
{
    public override ProfileEnvironmentValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ProfileEnvironmentValue { Value = reader.GetString() };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An environment value is a string or {\"secretRef\": \"NAME\"}.");
        }

        string? secretRef = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name != "secretRef" || reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"An environment value object has one member, \"secretRef\" (a string), not \"{name}\".");
            }

            secretRef = reader.GetString();
        }

        return new ProfileEnvironmentValue { SecretRef = secretRef ?? throw new JsonException("An environment value object needs \"secretRef\".") };
    }

    public override void Write(Utf8JsonWriter writer, ProfileEnvironmentValue value, JsonSerializerOptions options)
    {
        if (value.SecretRef is { } secretRef)
        {
            writer.WriteStartObject();
            writer.WriteString("secretRef", secretRef);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
