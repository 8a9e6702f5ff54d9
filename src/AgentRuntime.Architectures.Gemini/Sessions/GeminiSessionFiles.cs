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
    public static GeminiConversation? Latest(IEnumerable<NativeTranscriptFile> files) => LatestWithFile(files)?.Conversation;

    /// <summary>As <see cref="Latest"/>, with the file it was read from.</summary>
    public static (GeminiConversation Conversation, NativeTranscriptFile File)? LatestWithFile(IEnumerable<NativeTranscriptFile> files) =>
        files.Where(f => GeminiProjectPaths.IsSessionFile(f.RelativePath))
            .Select(f => (Conversation: GeminiConversation.Parse(f.Content, f.RelativePath), File: f))
            .Where(c => c.Conversation.SessionId is not null && c.Conversation.IsResumable)
            .OrderBy(c => c.Conversation.LastUpdated, StringComparer.Ordinal)
            .Select(c => ((GeminiConversation, NativeTranscriptFile)?)c)
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
