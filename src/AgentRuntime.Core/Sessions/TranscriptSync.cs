using System.Security.Cryptography;
using AgentRuntime.Architectures;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Sessions;

/// <summary>
/// Keeps the stored copy of an agent's native transcript in step with the sandbox. Agents append to their transcripts,
/// so usually only the new tail is stored; a file that changed before its stored end is replaced whole. Only a length
/// and a hash are kept per file, not the content.
/// </summary>
internal sealed class TranscriptSync(string sessionId, IAgentStore store)
{
    private readonly Dictionary<string, (long Length, byte[] Hash)> _stored = new(StringComparer.Ordinal);

    public bool HasFiles => _stored.Count > 0;

    /// <summary>Loads the stored transcript and remembers what is stored.</summary>
    public async Task<IReadOnlyList<NativeTranscriptFile>> LoadAsync(CancellationToken cancellationToken)
    {
        var files = await store.LoadTranscriptAsync(sessionId, cancellationToken).ConfigureAwait(false);
        _stored.Clear();
        foreach (var file in files)
        {
            _stored[file.RelativePath] = (file.Content.Length, SHA256.HashData(file.Content));
        }

        return files;
    }

    /// <summary>Writes the stored transcript into a new sandbox's home.</summary>
    public async Task RestoreAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        foreach (var file in await LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            await sandbox.WriteFileAsync(SandboxRoot.Home, file.RelativePath, file.Content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores what changed in the transcript directories since the last call.</summary>
    public async Task SaveAsync(ISandbox sandbox, IReadOnlyList<string> directories, CancellationToken cancellationToken)
    {
        foreach (var directory in directories)
        {
            foreach (var entry in await sandbox.ListFilesAsync(SandboxRoot.Home, directory, cancellationToken).ConfigureAwait(false))
            {
                if (_stored.TryGetValue(entry.RelativePath, out var known) && known.Length == entry.Size)
                {
                    continue;
                }

                byte[]? content;
                try
                {
                    content = await sandbox.ReadFileAsync(SandboxRoot.Home, entry.RelativePath, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException)
                {
                    continue; // Swapped for a link or removed while being read; the next turn stores what stays.
                }

                if (content is null)
                {
                    continue;
                }

                await StoreAsync(entry.RelativePath, content, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StoreAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        if (_stored.TryGetValue(path, out var known)
            && content.Length > known.Length
            && SHA256.HashData(content.AsSpan(0, (int)known.Length)).AsSpan().SequenceEqual(known.Hash))
        {
            await store.AppendTranscriptAsync(sessionId, path, content.AsMemory((int)known.Length), cancellationToken).ConfigureAwait(false);
        }
        else if (known.Hash is null)
        {
            await store.AppendTranscriptAsync(sessionId, path, content, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await store.ReplaceTranscriptAsync(sessionId, path, content, cancellationToken).ConfigureAwait(false);
        }

        _stored[path] = (content.Length, SHA256.HashData(content));
    }
}
