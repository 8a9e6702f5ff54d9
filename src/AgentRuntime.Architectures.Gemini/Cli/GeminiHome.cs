using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Materialization;
using AgentRuntime.Architectures.Gemini.Sessions;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Gemini.Cli;

/// <summary>
/// What the Gemini CLI reads from its home, written from the profile before every start (verified with 0.61.0): its
/// user settings, its user context file <c>~/.gemini/GEMINI.md</c> (the profile's <c>agentMDFile</c>, then its
/// <c>systemPrompt</c>; both reach the system instruction), its user skills <c>~/.gemini/skills/&lt;name&gt;/SKILL.md</c>,
/// the bundled MCP servers' files, and the markers that keep the project's directory where the runtime persists it.
/// Everything goes through the sandbox's file API, which refuses links: a home the agent has tampered with fails the
/// start rather than redirecting a write. The skills folder is emptied first, so that what the agent put there
/// (or an earlier profile did) does not reach the next start.
/// </summary>
internal static class GeminiHome
{
    /// <summary>Where the CLI finds the user's skills, under the home.</summary>
    public const string SkillsDirectory = ".gemini/skills";

    public static async Task PrepareAsync(ISandbox sandbox, AgentProfile profile, IReadOnlyDictionary<string, string> installedServers, CancellationToken cancellationToken)
    {
        await WriteAsync(sandbox, GeminiProcessSpec.SettingsPath, GeminiProcessSpec.Settings(profile), cancellationToken).ConfigureAwait(false);
        if (Context(profile) is { Length: > 0 } context)
        {
            await WriteAsync(sandbox, GeminiProcessSpec.ContextPath, context, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await sandbox.DeleteFileAsync(SandboxRoot.Home, GeminiProcessSpec.ContextPath, cancellationToken).ConfigureAwait(false);
        }

        foreach (var stale in await sandbox.ListFilesAsync(SandboxRoot.Home, SkillsDirectory, cancellationToken).ConfigureAwait(false))
        {
            await sandbox.DeleteFileAsync(SandboxRoot.Home, stale.RelativePath, cancellationToken).ConfigureAwait(false);
        }

        foreach (var skill in profile.Skills ?? [])
        {
            var folder = $"{SkillsDirectory}/{skill.Name}";
            await WriteAsync(sandbox, $"{folder}/SKILL.md", SkillFile(skill), cancellationToken).ConfigureAwait(false);
            foreach (var (path, content) in skill.Files ?? new Dictionary<string, string>())
            {
                await WriteAsync(sandbox, $"{folder}/{path}", content, cancellationToken).ConfigureAwait(false);
            }
        }

        await BundledMcpFiles.WriteAsync(sandbox, profile, installedServers, cancellationToken).ConfigureAwait(false);
        foreach (var marker in GeminiProjectPaths.ProjectRootMarkers(sandbox.WorkspacePath))
        {
            await WriteAsync(sandbox, marker, sandbox.WorkspacePath, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The user context file: the profile's instructions file, then its system prompt, a blank line apart.</summary>
    public static string Context(AgentProfile profile) =>
        string.Join("\n\n", new[] { profile.AgentMdFile, profile.SystemPrompt }.Where(t => t is { Length: > 0 }).Select(t => t!.TrimEnd('\n')));

    // The front matter as YAML double-quoted scalars (JSON strings are), so a description with ':' or '#' stays whole.
    private static string SkillFile(ProfileSkill skill) =>
        $"---\nname: {JsonValue.Create(skill.Name).ToJsonString()}\ndescription: {JsonValue.Create(skill.Description).ToJsonString()}\n---\n{skill.Body}";

    private static Task WriteAsync(ISandbox sandbox, string path, string content, CancellationToken cancellationToken) =>
        sandbox.WriteFileAsync(SandboxRoot.Home, path, Encoding.UTF8.GetBytes(content), cancellationToken);
}
