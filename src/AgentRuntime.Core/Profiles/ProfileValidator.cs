using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentRuntime.Approvals;
using AgentRuntime.Serialization;

namespace AgentRuntime.Profiles;

/// <summary>
/// Checks a profile before it is stored: names, paths and sizes, each problem named by its field
/// (<c>skills[1].name</c>). A profile from JSON is read strictly: a field the profile does not have is an error, not
/// dropped.
/// </summary>
public static partial class ProfileValidator
{
    private const int MaxTextBytes = 256 * 1024;
    private const int MaxFileBytes = 1024 * 1024;
    /// <summary>The largest profile, as JSON, that <see cref="Parse"/> reads.</summary>
    public const int MaxProfileBytes = 16 * 1024 * 1024;

    // Variables the runtime sets itself, or that would let a profile change what runs: a profile may not set them.
    private static readonly HashSet<string> ReservedVariables = new(StringComparer.Ordinal)
    {
        "HOME", "PATH", "USER", "SHELL", "PWD", "TMPDIR", "LD_PRELOAD", "LD_LIBRARY_PATH", "IS_SANDBOX", "NODE_OPTIONS",
        "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    };

    /// <summary>Reads a profile from JSON, strictly.</summary>
    /// <exception cref="ProfileValidationException">The JSON is not a profile, or the profile is not valid.</exception>
    public static AgentProfile Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxProfileBytes)
        {
            throw new ProfileValidationException([$"(profile): larger than {MaxProfileBytes} bytes."]);
        }

        AgentProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize(json, AgentRuntimeJsonContext.Default.AgentProfile);
        }
        catch (JsonException ex)
        {
            var path = ex.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "(profile)";
            var problem = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a profile field."
                : ex.Message.Contains("missing required properties", StringComparison.Ordinal) ? $"misses a required field: {ex.Message}"
                : $"is not valid: {ex.Message}";
            throw new ProfileValidationException([$"{path}: {problem}"]);
        }

        if (profile is null)
        {
            throw new ProfileValidationException(["(profile): a JSON object is expected."]);
        }

        Validate(profile);
        return profile;
    }

    /// <summary>Checks a profile.</summary>
    /// <exception cref="ProfileValidationException">What is wrong, every problem named by its field.</exception>
    public static void Validate(AgentProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var errors = new List<string>();
        Check(errors, "id", Id().IsMatch(profile.Id ?? ""), "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        Text(errors, "name", profile.Name, 200, required: true, singleLine: true);
        Text(errors, "description", profile.Description, 2000);
        Text(errors, "systemPrompt", profile.SystemPrompt, MaxTextBytes);
        Text(errors, "agentMDFile", profile.AgentMdFile, MaxTextBytes);
        Text(errors, "model", profile.Model, 200, singleLine: true);
        Names(errors, "tools", profile.Tools);
        Names(errors, "allowedTools", profile.AllowedTools);
        Files(errors, "files", profile.Files, 1000);
        foreach (var (rule, i) in (profile.Permissions?.Allow ?? []).Concat(profile.Permissions?.Deny ?? []).Select((r, i) => (r, i)))
        {
            Check(errors, $"permissions.{(i < (profile.Permissions?.Allow.Count ?? 0) ? "allow" : "deny")}", ApprovalRules.IsValid(rule), $"'{rule}' is not a rule: a tool name, or a tool name and a pattern in parentheses.");
        }

        var skills = profile.Skills ?? [];
        Check(errors, "skills", skills.Count <= 50, "at most 50 skills.");
        Unique(errors, "skills", skills.Select(s => s.Name));
        for (var i = 0; i < skills.Count; i++)
        {
            var skill = skills[i];
            Name(errors, $"skills[{i}].name", skill.Name);
            Text(errors, $"skills[{i}].description", skill.Description, 1024, required: true, singleLine: true);
            Text(errors, $"skills[{i}].body", skill.Body, MaxTextBytes, required: true);
            Files(errors, $"skills[{i}].files", skill.Files, 200);
            Check(errors, $"skills[{i}].files", skill.Files?.Keys.Any(k => k.Equals("SKILL.md", StringComparison.OrdinalIgnoreCase)) != true, "SKILL.md is the skill's body; it is not a supporting file.");
            Packages(errors, $"skills[{i}].npmDependencies", skill.NpmDependencies, NpmPackage());
            Packages(errors, $"skills[{i}].pipDependencies", skill.PipDependencies, PipPackage());
        }

        var subagents = profile.Subagents ?? [];
        Check(errors, "subagents", subagents.Count <= 50, "at most 50 subagents.");
        Unique(errors, "subagents", subagents.Select(s => s.Name));
        for (var i = 0; i < subagents.Count; i++)
        {
            Name(errors, $"subagents[{i}].name", subagents[i].Name);
            Text(errors, $"subagents[{i}].description", subagents[i].Description, 1024, required: true, singleLine: true);
            Text(errors, $"subagents[{i}].prompt", subagents[i].Prompt, MaxTextBytes, required: true);
            Text(errors, $"subagents[{i}].model", subagents[i].Model, 200, singleLine: true);
            Names(errors, $"subagents[{i}].tools", subagents[i].Tools);
        }

        var commands = profile.Commands ?? [];
        Check(errors, "commands", commands.Count <= 100, "at most 100 commands.");
        Unique(errors, "commands", commands.Select(c => c.Name));
        for (var i = 0; i < commands.Count; i++)
        {
            Name(errors, $"commands[{i}].name", commands[i].Name);
            Text(errors, $"commands[{i}].prompt", commands[i].Prompt, MaxTextBytes, required: true);
            Text(errors, $"commands[{i}].description", commands[i].Description, 1024, singleLine: true);
        }

        McpServers(errors, profile);
        Packages(errors, "npmDependencies", profile.NpmDependencies, NpmPackage());
        Packages(errors, "pipDependencies", profile.PipDependencies, PipPackage());
        Environment(errors, "environmentVariables", profile.EnvironmentVariables);
        // Whether the server has the provider is checked when a session starts its sandbox (sandbox_provider_not_configured).
        Check(errors, "sandbox.provider", profile.Sandbox is null || ProviderName().IsMatch(profile.Sandbox.Provider ?? ""), "a provider name such as \"local\" or \"modal\": 1 to 32 lower-case letters, digits or '-'.");
        if (errors.Count > 0)
        {
            throw new ProfileValidationException(errors);
        }
    }

    private static void McpServers(List<string> errors, AgentProfile profile)
    {
        var external = profile.ExternalMcps ?? [];
        var bundled = profile.BundledMcps ?? [];
        Check(errors, "externalMCPs", external.Count <= 20, "at most 20 servers.");
        Check(errors, "bundledMCPs", bundled.Count <= 10, "at most 10 servers.");
        Unique(errors, "externalMCPs and bundledMCPs", external.Select(m => m.Name).Concat(bundled.Select(m => m.Name)));
        for (var i = 0; i < external.Count; i++)
        {
            var server = external[i];
            var field = $"externalMCPs[{i}]";
            Name(errors, $"{field}.name", server.Name);
            switch (server.Type)
            {
                case "stdio":
                    Text(errors, $"{field}.command", server.Command, 1024, required: true, singleLine: true);
                    Check(errors, $"{field}.url", server.Url is null, "a stdio server has a command, not a URL.");
                    break;
                case "http" or "sse":
                    Check(errors, $"{field}.url", Uri.TryCreate(server.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https", "an absolute http or https URL.");
                    Check(errors, $"{field}.command", server.Command is null, $"an {server.Type} server has a URL, not a command.");
                    break;
                default:
                    errors.Add($"{field}.type: \"stdio\", \"http\" or \"sse\", not \"{server.Type}\".");
                    break;
            }

            Arguments(errors, $"{field}.args", server.Args);
            Environment(errors, $"{field}.env", server.Env);
            foreach (var header in server.Headers?.Keys ?? [])
            {
                Check(errors, $"{field}.headers", HeaderName().IsMatch(header), $"'{header}' is not a header name.");
            }
        }

        for (var i = 0; i < bundled.Count; i++)
        {
            var server = bundled[i];
            var field = $"bundledMCPs[{i}]";
            Name(errors, $"{field}.name", server.Name);
            Check(errors, $"{field}.files", server.Files is { Count: > 0 }, "a bundled server needs its project's files.");
            Files(errors, $"{field}.files", server.Files, 500);
            Text(errors, $"{field}.installCommand", server.InstallCommand, 4096, singleLine: true);
            Text(errors, $"{field}.command", server.Command, 1024, required: true, singleLine: true);
            Arguments(errors, $"{field}.args", server.Args);
            Environment(errors, $"{field}.env", server.Env);
        }
    }

    private static void Check(List<string> errors, string field, bool ok, string message)
    {
        if (!ok)
        {
            errors.Add($"{field}: {message}");
        }
    }

    private static void Text(List<string> errors, string field, string? value, int maxBytes, bool required = false, bool singleLine = false)
    {
        if (value is null || value.Length == 0)
        {
            Check(errors, field, !required, "required, and not empty.");
            return;
        }

        Check(errors, field, Encoding.UTF8.GetByteCount(value) <= maxBytes, $"at most {maxBytes} bytes.");
        Check(errors, field, !value.Any(c => c == '\0' || (singleLine && char.IsControl(c))), singleLine ? "one line, without control characters." : "no NUL characters.");
    }

    private static void Name(List<string> errors, string field, string? name) =>
        Check(errors, field, PartName().IsMatch(name ?? ""), "1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit.");

    private static void Unique(List<string> errors, string field, IEnumerable<string?> names)
    {
        foreach (var name in names.Where(n => n is not null).GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"{field}: the name '{name.Key}' is used more than once.");
        }
    }

    private static void Names(List<string> errors, string field, IReadOnlyList<string>? names)
    {
        Check(errors, field, (names?.Count ?? 0) <= 200, "at most 200 entries.");
        foreach (var name in names ?? [])
        {
            Check(errors, field, name is { Length: > 0 and <= 512 } && !name.Any(char.IsControl), $"'{name}' is not a tool name (1 to 512 characters, one line).");
        }
    }

    private static void Arguments(List<string> errors, string field, IReadOnlyList<string>? args)
    {
        Check(errors, field, (args?.Count ?? 0) <= 100, "at most 100 arguments.");
        Check(errors, field, args?.All(a => a is not null && a.Length <= 4096 && !a.Contains('\0')) != false, "arguments of at most 4096 characters, without NUL.");
    }

    private static void Files(List<string> errors, string field, IReadOnlyDictionary<string, string>? files, int maxFiles)
    {
        if (files is null)
        {
            return;
        }

        Check(errors, field, files.Count <= maxFiles, $"at most {maxFiles} files.");
        foreach (var (path, content) in files)
        {
            var segments = path.Split('/');
            Check(errors, $"{field}[\"{path}\"]",
                path.Length is > 0 and <= 1024 && !path.StartsWith('/') && !path.Any(char.IsControl) && segments.Length <= 64
                    && segments.All(s => s.Length is > 0 and <= 255 && s is not ("." or "..")),
                "a relative path with no empty, '.' or '..' segments, no control characters, at most 1024 characters.");
            Check(errors, $"{field}[\"{path}\"]", content is not null && Encoding.UTF8.GetByteCount(content) <= MaxFileBytes, $"text of at most {MaxFileBytes} bytes.");
        }
    }

    private static void Packages(List<string> errors, string field, IReadOnlyList<string>? packages, Regex shape)
    {
        Check(errors, field, (packages?.Count ?? 0) <= 100, "at most 100 packages.");
        foreach (var package in packages ?? [])
        {
            // A package name, never an option, a path or a URL: the installer runs with what is written here.
            Check(errors, field, package is { Length: <= 256 } && shape.IsMatch(package), $"'{package}' is not a package name with an optional version.");
        }
    }

    private static void Environment(List<string> errors, string field, IReadOnlyDictionary<string, ProfileEnvironmentValue>? variables)
    {
        Check(errors, field, (variables?.Count ?? 0) <= 200, "at most 200 variables.");
        foreach (var (name, value) in variables ?? new Dictionary<string, ProfileEnvironmentValue>())
        {
            Check(errors, $"{field}.{name}", VariableName().IsMatch(name), "a variable name: letters, digits and '_', not starting with a digit, at most 128.");
            Check(errors, $"{field}.{name}", !ReservedVariables.Contains(name), "the runtime sets this variable itself.");
            Check(errors, $"{field}.{name}", value is { Value: not null, SecretRef: null } or { Value: null, SecretRef: not null }, "a string, or {\"secretRef\": \"NAME\"}.");
            Check(errors, $"{field}.{name}", value?.Value is null || (value.Value.Length <= 32 * 1024 && !value.Value.Contains('\0')), "at most 32768 characters, without NUL.");
            Check(errors, $"{field}.{name}", value?.SecretRef is null || VariableName().IsMatch(value.SecretRef), "secretRef names a secret: letters, digits and '_'.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex PartName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~<>=*|+ -]{1,64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex NpmPackage();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?((==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]{1,64}(,(==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]{1,64})*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex PipPackage();
}

/// <summary>A profile is not valid; <see cref="Errors"/> says what, each naming its field.</summary>
/// <param name="errors">The problems, as <c>field: message</c>.</param>
public sealed class ProfileValidationException(IReadOnlyList<string> errors)
    : Exception($"The profile is not valid: {string.Join(" ", errors)}")
{
    /// <summary>The problems, as <c>field: message</c>.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
