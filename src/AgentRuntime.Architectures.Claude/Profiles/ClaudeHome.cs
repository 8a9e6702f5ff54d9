using System.Text;
using System.Text.Json;
using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Claude.Profiles;

/// <summary>A file the profile puts in the sandbox home, by its path relative to the home.</summary>
/// <param name="Path">Relative to the home, with forward slashes.</param>
/// <param name="Content">The file's text.</param>
/// <param name="Executable">Whether it is a script to run (it starts with <c>#!</c>).</param>
internal sealed record HomeFile(string Path, string Content, bool Executable = false);

/// <summary>
/// Where a profile goes in the sandbox home for Claude Code: the user-level files the CLI reads at start
/// (<c>~/.claude/CLAUDE.md</c>, <c>skills/</c>, <c>agents/</c>, <c>commands/</c>) and, under the runtime's own
/// <c>~/.agent-runtime/</c>, the MCP configuration given to <c>--mcp-config</c> and the bundled servers' projects.
/// </summary>
internal static class ClaudeHome
{
    public const string MemoryFile = ".claude/CLAUDE.md";
    public const string SkillsDirectory = ".claude/skills";
    public const string AgentsDirectory = ".claude/agents";
    public const string CommandsDirectory = ".claude/commands";
    public const string McpConfigFile = ".agent-runtime/claude/mcp.json";
    public const string BundledMcpDirectory = ".agent-runtime/mcp";

    /// <summary>
    /// What the runtime owns outright and rewrites from the profile at every start: whatever is there (the agent's own
    /// additions, a former profile's files, a link planted in their place) is removed first.
    /// </summary>
    public static IReadOnlyList<string> OwnedPaths { get; } =
        [MemoryFile, SkillsDirectory, AgentsDirectory, CommandsDirectory, ".agent-runtime/claude", BundledMcpDirectory];

    /// <summary>
    /// Every file the profile puts in the home, the MCP configuration included. <paramref name="installedServers"/>: the
    /// folders of the bundled servers installed in the profile's dependency layer, by name, which run from there.
    /// </summary>
    public static IReadOnlyList<HomeFile> Files(AgentProfile profile, string homePath, IReadOnlyDictionary<string, string> secrets, IReadOnlyDictionary<string, string>? installedServers = null)
    {
        var files = new List<HomeFile>();
        if (profile.AgentMdFile is { Length: > 0 } memory)
        {
            files.Add(new HomeFile(MemoryFile, memory));
        }

        foreach (var skill in profile.Skills ?? [])
        {
            var folder = $"{SkillsDirectory}/{skill.Name}";
            files.Add(new HomeFile($"{folder}/SKILL.md", FrontMatter.Write([("name", skill.Name), ("description", skill.Description)], skill.Body)));
            files.AddRange(Supporting(folder, skill.Files));
        }

        foreach (var agent in profile.Subagents ?? [])
        {
            files.Add(new HomeFile(
                $"{AgentsDirectory}/{agent.Name}.md",
                FrontMatter.Write(
                    [("name", agent.Name), ("description", agent.Description), ("tools", agent.Tools is { } tools ? string.Join(", ", tools) : null), ("model", agent.Model)],
                    agent.Prompt)));
        }

        foreach (var command in profile.Commands ?? [])
        {
            files.Add(new HomeFile($"{CommandsDirectory}/{command.Name}.md", FrontMatter.Write([("description", command.Description)], command.Prompt)));
        }

        // An installed server runs from its read-only folder in the dependency layer; only the others are copied here.
        foreach (var server in (profile.BundledMcps ?? []).Where(s => installedServers?.ContainsKey(s.Name) != true))
        {
            files.AddRange(Supporting($"{BundledMcpDirectory}/{server.Name}", server.Files));
        }

        // Written even when empty: the CLI starts with --strict-mcp-config, so the profile's servers are all it has.
        files.Add(new HomeFile(McpConfigFile, McpConfig(profile, homePath, secrets, installedServers)));

        return files;
    }

    /// <summary>The bundled server's folder as processes in the sandbox see it.</summary>
    public static string BundledMcpPath(string homePath, string name) => $"{homePath.TrimEnd('/')}/{BundledMcpDirectory}/{name}";

    /// <summary>
    /// <c>{"mcpServers": {...}}</c> as <c>--mcp-config</c> reads it, with secrets resolved: the agent may read them
    /// anyway (they are in its servers' environment), unlike model keys, which never enter the sandbox.
    /// <paramref name="installedServers"/> as for <see cref="Files"/>.
    /// </summary>
    public static string McpConfig(AgentProfile profile, string homePath, IReadOnlyDictionary<string, string> secrets, IReadOnlyDictionary<string, string>? installedServers = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("mcpServers");
            foreach (var (server, i) in (profile.ExternalMcps ?? []).Select((s, i) => (s, i)))
            {
                var field = $"externalMCPs[{i}]";
                json.WriteStartObject(server.Name);
                json.WriteString("type", server.Type);
                if (server.Type == "stdio")
                {
                    json.WriteString("command", server.Command);
                    Strings(json, "args", server.Args ?? []);
                    Map(json, "env", ProfileValues.Resolve(server.Env, secrets, $"{field}.env"));
                }
                else
                {
                    json.WriteString("url", server.Url);
                    Map(json, "headers", ProfileValues.Resolve(server.Headers, secrets, $"{field}.headers"));
                }

                json.WriteEndObject();
            }

            foreach (var (server, i) in (profile.BundledMcps ?? []).Select((s, i) => (s, i)))
            {
                json.WriteStartObject(server.Name);
                json.WriteString("type", "stdio");
                // Claude Code starts stdio servers in its own working directory (the workspace) and has no "cwd" for
                // them; a shell changes into the server's folder first and then becomes the server (exec), so its
                // command and relative paths mean what they mean in the project. The folder and the command are
                // arguments, never part of the script.
                json.WriteString("command", "/bin/sh");
                Strings(json, "args", ["-c", "cd -- \"$1\" && shift && exec \"$@\"", $"mcp-{server.Name}", installedServers?.GetValueOrDefault(server.Name) ?? BundledMcpPath(homePath, server.Name), server.Command, .. server.Args ?? []]);
                Map(json, "env", ProfileValues.Resolve(server.Env, secrets, $"bundledMCPs[{i}].env"));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static IEnumerable<HomeFile> Supporting(string folder, IReadOnlyDictionary<string, string>? files) =>
        (files ?? new Dictionary<string, string>()).Select(f => new HomeFile($"{folder}/{f.Key}", f.Value, f.Value.StartsWith("#!", StringComparison.Ordinal)));

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void Map(Utf8JsonWriter json, string name, IEnumerable<KeyValuePair<string, string>> values)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in values)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }
}
