using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Sessions;

/// <summary>
/// Keeps the stored workspace files in step with a sandbox's workspace: restores them into a new sandbox, and after
/// each tool call and turn stores what the agent created or changed and forgets what it deleted, returning the
/// changes as file events. A file whose size and write time are unchanged is not read again. Scans are serialized,
/// since a turn and a client's upload may both ask for one.
/// </summary>
/// <remarks>
/// A file is copied once out of the sandbox (<see cref="SpooledFile"/>) and stored from that copy, so memory does not
/// grow with the file's size; small files, the ones a file event carries, stay in memory.
/// </remarks>
internal sealed class WorkspaceSync(string sessionId, IAgentStore store, TimeProvider time, string spoolDirectory)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (long Size, DateTimeOffset WriteTime, string Hash)> _known = new(StringComparer.Ordinal);

    public async Task RestoreAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _known.Clear();
            var stored = await store.ListWorkspaceFilesAsync(sessionId, cancellationToken).ConfigureAwait(false);
            foreach (var file in stored)
            {
                // Streamed chunk by chunk from the store into the sandbox's file.
                await using var content = await store.OpenWorkspaceFileAsync(sessionId, file.Path, cancellationToken).ConfigureAwait(false);
                if (content is not null)
                {
                    await sandbox.WriteFileAsync(SandboxRoot.Workspace, file.Path, content, cancellationToken).ConfigureAwait(false);
                }
            }

            var hashes = stored.ToDictionary(f => f.Path, f => f.Hash, StringComparer.Ordinal);
            foreach (var entry in await sandbox.ListFilesAsync(SandboxRoot.Workspace, "", cancellationToken).ConfigureAwait(false))
            {
                if (hashes.TryGetValue(entry.RelativePath, out var hash))
                {
                    _known[entry.RelativePath] = (entry.Size, entry.LastWriteTime, hash);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stores what changed in the sandbox's workspace since the last scan, within <paramref name="limits"/>, and returns
    /// the changes with a notice for each limit that kept something out of the store.
    /// </summary>
    public async Task<WorkspaceSave> SaveAsync(ISandbox sandbox, WorkspaceLimits limits, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changes = new List<FileEvent>();
            var scan = await sandbox.ScanFilesAsync(SandboxRoot.Workspace, "", cancellationToken).ConfigureAwait(false);
            var notices = scan.LimitsReached.Select(l => $"The workspace has {l}; what lies past that is not stored.").ToList();
            var storedBytes = _known.Values.Sum(k => k.Size);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in scan.Files)
            {
                seen.Add(entry.RelativePath);
                var isKnown = _known.TryGetValue(entry.RelativePath, out var known);
                if (isKnown && known.Size == entry.Size && known.WriteTime == entry.LastWriteTime)
                {
                    continue;
                }

                if (entry.Size > limits.MaxFileBytes)
                {
                    notices.Add(Invariant($"'{entry.RelativePath}' has {entry.Size:N0} bytes, more than a stored file may have ({limits.MaxFileBytes:N0}, workspaceLimits.maxFileBytes); it is not stored."));
                    continue;
                }

                if (!isKnown && _known.Count >= limits.MaxFiles)
                {
                    notices.Add(Invariant($"The workspace has more files than are stored ({limits.MaxFiles:N0}, workspaceLimits.maxFiles); new files are not stored."));
                    continue;
                }

                if (storedBytes - known.Size + entry.Size > limits.MaxTotalBytes)
                {
                    notices.Add(Invariant($"The stored workspace would grow past {limits.MaxTotalBytes:N0} bytes (workspaceLimits.maxTotalBytes); '{entry.RelativePath}' is not stored."));
                    continue;
                }

                SpooledFile? content;
                try
                {
                    await using var source = await sandbox.OpenReadAsync(SandboxRoot.Workspace, entry.RelativePath, cancellationToken).ConfigureAwait(false);
                    content = source is null ? null : await SpooledFile.CopyAsync(source, limits.MaxFileBytes ?? long.MaxValue, spoolDirectory, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException)
                {
                    // Listed as a file, then swapped for a link or removed before it could be read: the agent is
                    // changing it as we look. It is skipped this time, never followed; the next scan sees what stays.
                    continue;
                }

                if (content is null)
                {
                    continue; // Gone, or grown past the limit since it was listed; the next scan says which.
                }

                await using (content)
                {
                    if (known.Hash != content.Hash)
                    {
                        var info = new WorkspaceFileInfo { Path = entry.RelativePath, Size = content.Length, Hash = content.Hash, ModifiedAt = time.GetUtcNow() };
                        await store.SaveWorkspaceFileAsync(sessionId, info, content.Rewind(), cancellationToken).ConfigureAwait(false);
                        changes.Add(FileEvents.Changed(created: !isKnown, entry.RelativePath, content));
                    }

                    storedBytes += content.Length - known.Size;
                    _known[entry.RelativePath] = (content.Length, entry.LastWriteTime, content.Hash);
                }
            }

            foreach (var gone in _known.Keys.Where(p => !seen.Contains(p)).ToList())
            {
                await store.DeleteWorkspaceFileAsync(sessionId, gone, cancellationToken).ConfigureAwait(false);
                _known.Remove(gone);
                changes.Add(FileEvents.Deleted(gone));
            }

            return new WorkspaceSave(changes, notices.Distinct(StringComparer.Ordinal).ToList());
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>What one workspace scan stored, and what it kept out of the store and why.</summary>
internal sealed record WorkspaceSave(IReadOnlyList<FileEvent> Changes, IReadOnlyList<string> Notices);
