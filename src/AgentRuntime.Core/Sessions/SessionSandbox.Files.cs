using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionSandbox
{
    // Set when a sandbox starts, read by scans; a whole immutable value.
    private volatile WorkspaceLimits _workspaceLimits = WorkspaceLimits.Default;

    // Notices already shown in this turn, so a limit hit at every tool call is said once.
    private readonly HashSet<string> _noticesShown = new(StringComparer.Ordinal);

    /// <summary>Forgets the notices and the budget refusal of the last turn; the turn calls it as it starts.</summary>
    public void BeginTurn()
    {
        TakeBudgetRefusal();
        lock (_noticesShown)
        {
            _noticesShown.Clear();
        }
    }

    /// <summary>Stores and logs what changed in the running sandbox's workspace, if one runs.</summary>
    public async Task ScanWorkspaceAsync(CancellationToken cancellationToken)
    {
        if (Current is { } sandbox)
        {
            await SaveWorkspaceAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a workspace file for a client. With a sandbox running, the file goes into its workspace and the scan that
    /// follows stores it and reports it, as if the agent had written it; without one, it goes to the store, and the next
    /// sandbox starts with it.
    /// </summary>
    public async Task<FileEvent?> WriteFileAsync(string path, SpooledFile content, CancellationToken cancellationToken)
    {
        await _workspaceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current is { } sandbox)
            {
                await sandbox.WriteFileAsync(SandboxRoot.Workspace, path, content.Rewind(), cancellationToken).ConfigureAwait(false);
                var changes = await SaveWorkspaceAsync(sandbox, cancellationToken).ConfigureAwait(false);
                return changes.FirstOrDefault(c => c.Path == path);
            }

            // The stored hash says whether anything changed; the stored content need not be read.
            var existed = (await _services.Store.ListWorkspaceFilesAsync(SessionId, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(f => f.Path == path);
            if (existed is not null && existed.Hash == content.Hash)
            {
                return null;
            }

            var info = new WorkspaceFileInfo { Path = path, Size = content.Length, Hash = content.Hash, ModifiedAt = _services.Time.GetUtcNow() };
            await _services.Store.SaveWorkspaceFileAsync(SessionId, info, content.Rewind(), cancellationToken).ConfigureAwait(false);
            var change = FileEvents.Changed(created: existed is null, path, content);
            await _log.AppendAsync(change, cancellationToken).ConfigureAwait(false);
            return change;
        }
        finally
        {
            _workspaceGate.Release();
        }
    }

    /// <summary>Deletes a workspace file for a client, from the running sandbox or else the store; returns whether it existed.</summary>
    public async Task<bool> DeleteFileAsync(string path, CancellationToken cancellationToken)
    {
        await _workspaceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current is { } sandbox)
            {
                await sandbox.DeleteFileAsync(SandboxRoot.Workspace, path, cancellationToken).ConfigureAwait(false);
                var changes = await SaveWorkspaceAsync(sandbox, cancellationToken).ConfigureAwait(false);
                return changes.Any(c => c is FileDeletedEvent && c.Path == path);
            }

            if (!await _services.Store.DeleteWorkspaceFileAsync(SessionId, path, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await _log.AppendAsync(FileEvents.Deleted(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _workspaceGate.Release();
        }
    }

    /// <summary>
    /// Rejects a path that goes through a symbolic link in the running sandbox's workspace, as writes and deletes
    /// would; reads come from persistence, which has no links, but answer the same way.
    /// </summary>
    public async Task CheckPathAsync(string path, CancellationToken cancellationToken)
    {
        if (Current is { } sandbox && Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            await sandbox.ListFilesAsync(SandboxRoot.Workspace, directory, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Scans the workspace, stores what changed within the profile's limits, and logs the changes and notices.</summary>
    private async Task<IReadOnlyList<FileEvent>> SaveWorkspaceAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        var save = await _workspace.SaveAsync(sandbox, _workspaceLimits, cancellationToken).ConfigureAwait(false);
        var events = new List<SessionEvent>(save.Changes);
        foreach (var notice in save.Notices)
        {
            lock (_noticesShown)
            {
                if (!_noticesShown.Add(notice))
                {
                    continue;
                }
            }

            var block = new SystemBlock { Id = $"workspace-limit-{Guid.NewGuid():N}", Timestamp = _services.Time.GetUtcNow(), Subtype = "workspace_limit", Message = notice };
            events.Add(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
            events.Add(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block });
        }

        await _log.AppendAsync(events, cancellationToken).ConfigureAwait(false);
        return save.Changes;
    }
}
