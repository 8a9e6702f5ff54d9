using System.Text.Json.Nodes;
using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Acp.Materialization;

/// <summary>One MCP server of the profile in ACP's <c>McpServer</c> shape, as <c>session/new</c> and <c>session/load</c> take it.</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Transport"><c>stdio</c>, <c>http</c> or <c>sse</c>.</param>
/// <param name="Json">The <c>McpServer</c> object.</param>
internal sealed record AcpMcpServer(string Name, string Transport, JsonObject Json);

/// <summary>
/// The profile's MCP servers for an ACP agent. External ones as the profile says: stdio <c>{name, command, args, env}</c>,
/// http and sse <c>{type, name, url, headers}</c>, secret references resolved. Bundled ones as stdio servers started in
/// their folder under the home (<see cref="BundledMcpFiles"/>): ACP's <c>McpServer</c> has no working directory (agents
/// start stdio servers in the session's), so the command runs through <c>/bin/sh -c 'cd "$0" &amp;&amp; exec "$@"'</c>.
/// </summary>
internal static class AcpMcpServers
{
    // $0 is the folder, "$@" the command and its arguments, each passed as is: nothing of the profile is parsed by the shell.
    private const string RunInFolder = "cd \"$0\" && exec \"$@\"";

    public static IReadOnlyList<AcpMcpServer> FromProfile(
        AgentProfile profile, IReadOnlyDictionary<string, string> secrets, string homePath, IReadOnlyDictionary<string, string> installedServers)
    {
        var servers = new List<AcpMcpServer>();
        foreach (var server in profile.ExternalMcps ?? [])
        {
            servers.Add(server.Type is "http" or "sse"
                ? new AcpMcpServer(server.Name, server.Type, new JsonObject
                {
                    ["type"] = server.Type,
                    ["name"] = server.Name,
                    ["url"] = server.Url,
                    ["headers"] = NameValues(ProfileValues.Resolve(server.Headers, secrets)),
                })
                : Stdio(server.Name, server.Command ?? "", server.Args ?? [], ProfileValues.Resolve(server.Env, secrets)));
        }

        foreach (var server in profile.BundledMcps ?? [])
        {
            var folder = installedServers.GetValueOrDefault(server.Name) ?? $"{homePath.TrimEnd('/')}/{BundledMcpFiles.Folder(server.Name)}";
            servers.Add(Stdio(server.Name, "/bin/sh", ["-c", RunInFolder, folder, server.Command, .. server.Args ?? []], ProfileValues.Resolve(server.Env, secrets)));
        }

        return servers;
    }

    /// <summary>
    /// The servers the agent takes, by the <c>mcpCapabilities</c> of its <c>initialize</c> answer (every agent takes stdio;
    /// http and sse only when it says so), and those it does not.
    /// </summary>
    public static (JsonArray Offered, IReadOnlyList<AcpMcpServer> Refused) ForAgent(IReadOnlyList<AcpMcpServer> servers, JsonObject? initialized)
    {
        var capabilities = TolerantJson.Object(TolerantJson.Object(initialized, "agentCapabilities"), "mcpCapabilities");
        var offered = new JsonArray();
        var refused = new List<AcpMcpServer>();
        foreach (var server in servers)
        {
            if (server.Transport == "stdio" || TolerantJson.Bool(capabilities, server.Transport) == true)
            {
                offered.Add(server.Json.DeepClone());
            }
            else
            {
                refused.Add(server);
            }
        }

        return (offered, refused);
    }

    private static AcpMcpServer Stdio(string name, string command, IReadOnlyList<string> args, IReadOnlyList<KeyValuePair<string, string>> env) =>
        new(name, "stdio", new JsonObject
        {
            ["name"] = name,
            ["command"] = command,
            ["args"] = new JsonArray([.. args.Select(a => JsonValue.Create(a))]),
            ["env"] = NameValues(env),
        });

    private static JsonArray NameValues(IReadOnlyList<KeyValuePair<string, string>> values) =>
        new([.. values.Select(v => new JsonObject { ["name"] = v.Key, ["value"] = v.Value })]);
}
