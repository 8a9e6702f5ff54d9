using AgentRuntime.Architectures;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>Reads the Gemini CLI's session files, from a sandbox or from a persisted transcript.</summary>
internal static class GeminiSessionFiles
{
    /// <summary>
    /// The session the CLI resumes as <c>latest</c>: of the resumable ones, the last updated (files of one session
    /// are told apart by that too, as the CLI does). The sandbox home holds one runtime session's files only.
    /// </summary>
    public static GeminiConversation? Latest(IEnumerable<NativeTranscriptFile> files) =>
        files.Where(f => GeminiProjectPaths.IsSessionFile(f.RelativePath))
            .Select(f => GeminiConversation.Parse(f.Content, f.RelativePath))
            .Where(c => c.SessionId is not null && c.IsResumable)
            .OrderBy(c => c.LastUpdated, StringComparer.Ordinal)
            .LastOrDefault();

    /// <summary>The session files in a sandbox directory, optionally only those of one session.</summary>
    public static async Task<List<NativeTranscriptFile>> ReadAsync(ISandbox sandbox, string directory, string? sessionId, CancellationToken cancellationToken)
    {
        var files = new List<NativeTranscriptFile>();
        var entries = await sandbox.ListFilesAsync(SandboxRoot.Home, directory, cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries.Where(e => GeminiProjectPaths.IsSessionFile(e.RelativePath, sessionId)))
        {
            if (await sandbox.ReadFileAsync(SandboxRoot.Home, entry.RelativePath, cancellationToken).ConfigureAwait(false) is { } content)
            {
                files.Add(new NativeTranscriptFile(entry.RelativePath, content));
            }
        }

        return files;
    }
}
