using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Materialization;

/// <summary>
/// The profile's <c>agentMDFile</c> as <c>AGENTS.md</c> at the workspace root, where ACP agents that follow the
/// convention read it (there is no per-user place they all share). The workspace is the user's, so the runtime writes
/// there only what it can tell is its own: it records the hash of what it wrote (under the home, in a directory that is
/// persisted with the session) and
/// <list type="bullet">
/// <item>writes the file when the workspace has no <c>AGENTS.md</c>, or has the one the runtime wrote last;</item>
/// <item>leaves an <c>AGENTS.md</c> it did not write (the user's own, one they edited, or a link) untouched, and says so;</item>
/// <item>removes its own file when the profile no longer has one.</item>
/// </list>
/// </summary>
internal static class WorkspaceAgentsMd
{
    public const string FileName = "AGENTS.md";

    /// <summary>Applies the rule; returns why the profile's file was not written, or <see langword="null"/>.</summary>
    public static async Task<string?> ApplyAsync(ISandbox sandbox, string? content, string recordPath, CancellationToken cancellationToken)
    {
        var existing = await ReadAsync(sandbox, cancellationToken).ConfigureAwait(false);
        var recorded = await ReadRecordAsync(sandbox, recordPath, cancellationToken).ConfigureAwait(false);
        var ours = existing is { Length: > 0 } found && recorded is not null && Hash(found) == recorded;
        if (existing is not null && !ours)
        {
            return content is { Length: > 0 }
                ? $"The workspace has its own {FileName}; the profile's agentMDFile was not written over it."
                : null;
        }

        if (content is { Length: > 0 })
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            await sandbox.WriteFileAsync(SandboxRoot.Workspace, FileName, bytes, cancellationToken).ConfigureAwait(false);
            await sandbox.WriteFileAsync(SandboxRoot.Home, recordPath, Encoding.UTF8.GetBytes(new JsonObject { ["sha256"] = Hash(bytes) }.ToJsonString()), cancellationToken).ConfigureAwait(false);
        }
        else if (ours)
        {
            await sandbox.DeleteFileAsync(SandboxRoot.Workspace, FileName, cancellationToken).ConfigureAwait(false);
            await sandbox.DeleteFileAsync(SandboxRoot.Home, recordPath, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    // A link (which the sandbox refuses to read through) is some file of the user's: present, and not ours.
    private static async Task<byte[]?> ReadAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        try
        {
            return await sandbox.ReadFileAsync(SandboxRoot.Workspace, FileName, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return [];
        }
    }

    private static async Task<string?> ReadRecordAsync(ISandbox sandbox, string recordPath, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await sandbox.ReadFileAsync(SandboxRoot.Home, recordPath, cancellationToken).ConfigureAwait(false);
            return bytes is null ? null : JsonNode.Parse(bytes)?["sha256"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
