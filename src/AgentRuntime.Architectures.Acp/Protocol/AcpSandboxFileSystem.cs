using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Rpc;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>
/// Serves the ACP client file methods (<c>fs/read_text_file</c>, <c>fs/write_text_file</c>) from the sandbox's
/// workspace. ACP paths are absolute as the agent sees them; only paths inside the workspace are served.
/// </summary>
internal sealed class AcpSandboxFileSystem(ISandbox sandbox)
{
    public async Task<JsonNode?> ReadTextFileAsync(JsonNode? parameters, CancellationToken cancellationToken)
    {
        var path = RelativePath(parameters);
        var bytes = await sandbox.ReadFileAsync(SandboxRoot.Workspace, path, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonRpcException(JsonRpcException.ResourceNotFound, $"Resource not found: {TolerantJson.String(parameters, "path")}");
        var text = Encoding.UTF8.GetString(bytes);
        var line = TolerantJson.Long(parameters, "line");
        var limit = TolerantJson.Long(parameters, "limit");
        if (line is not null || limit is not null)
        {
            // ACP lines are 1-based.
            var lines = text.Split('\n');
            var skip = (int)Math.Clamp((line ?? 1) - 1, 0, lines.Length);
            var take = (int)Math.Clamp(limit ?? lines.Length, 0, lines.Length - skip);
            text = string.Join('\n', lines.Skip(skip).Take(take));
        }

        return new JsonObject { ["content"] = text };
    }

    public async Task<JsonNode?> WriteTextFileAsync(JsonNode? parameters, CancellationToken cancellationToken)
    {
        var path = RelativePath(parameters);
        var content = TolerantJson.String(parameters, "content")
            ?? throw new JsonRpcException(JsonRpcException.InvalidParams, "fs/write_text_file needs a string 'content'.");
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, path, Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        return new JsonObject();
    }

    private string RelativePath(JsonNode? parameters)
    {
        var path = TolerantJson.String(parameters, "path")
            ?? throw new JsonRpcException(JsonRpcException.InvalidParams, "The request needs a string 'path'.");
        var root = sandbox.WorkspacePath.TrimEnd('/');
        if (!path.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new JsonRpcException(JsonRpcException.InvalidParams, $"'{path}' is outside the workspace {root}; only workspace files are served.");
        }

        return path[(root.Length + 1)..];
    }
}
