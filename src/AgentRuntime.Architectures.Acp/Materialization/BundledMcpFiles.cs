using System.Text;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Materialization;

/// <summary>
/// The files of the profile's bundled MCP servers, copied to <c>~/.agent-runtime/mcp/&lt;name&gt;/</c> before the agent
/// starts, through the sandbox's file API (which refuses links, so a home the agent has tampered with cannot redirect
/// the writes). Installing them is a separate step.
/// </summary>
internal static class BundledMcpFiles
{
    /// <summary>A bundled server's folder, relative to the home.</summary>
    public static string Folder(string serverName) => $"{Root}/{serverName}";

    private const string Root = ".agent-runtime/mcp";

    /// <summary>
    /// Writes the files of every bundled server not installed in the profile's dependency layer (<paramref name="installedServers"/>,
    /// which run from there), replacing what an earlier connect (or the agent) left at those paths.
    /// </summary>
    public static async Task WriteAsync(ISandbox sandbox, AgentProfile profile, IReadOnlyDictionary<string, string> installedServers, CancellationToken cancellationToken)
    {
        var files = (profile.BundledMcps ?? [])
            .Where(s => !installedServers.ContainsKey(s.Name))
            .SelectMany(s => s.Files.Select(f => (Path: $"{Folder(s.Name)}/{f.Key}", f.Value)))
            .ToDictionary(f => f.Path, f => f.Value, StringComparer.Ordinal);

        // What an earlier version of the profile (or the agent) left there goes: a removed server or file is not kept.
        foreach (var stale in await sandbox.ListFilesAsync(SandboxRoot.Home, Root, cancellationToken).ConfigureAwait(false))
        {
            if (!files.ContainsKey(stale.RelativePath))
            {
                await sandbox.DeleteFileAsync(SandboxRoot.Home, stale.RelativePath, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (path, content) in files)
        {
            await sandbox.WriteFileAsync(SandboxRoot.Home, path, Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        }
    }
}
