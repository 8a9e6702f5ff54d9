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
    public static string Folder(string serverName) => $".agent-runtime/mcp/{serverName}";

    /// <summary>
    /// Writes the files of every bundled server not installed in the profile's dependency layer (<paramref name="installedServers"/>,
    /// which run from there), replacing what an earlier connect (or the agent) left at those paths.
    /// </summary>
    public static async Task WriteAsync(ISandbox sandbox, AgentProfile profile, IReadOnlyDictionary<string, string> installedServers, CancellationToken cancellationToken)
    {
        foreach (var server in (profile.BundledMcps ?? []).Where(s => !installedServers.ContainsKey(s.Name)))
        {
            foreach (var (path, content) in server.Files)
            {
                await sandbox.WriteFileAsync(SandboxRoot.Home, $"{Folder(server.Name)}/{path}", Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
