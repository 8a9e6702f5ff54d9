using AgentRuntime.Events;
using AgentRuntime.Gateway;

namespace AgentRuntime.Sessions;

// A client's changes to the workspace and the budget: commands on the loop, run beside a turn if one runs.
internal sealed partial class SessionActor
{
    /// <summary>
    /// Writes a workspace file for a client: into the running sandbox, stored and reported by the scan that follows as
    /// if the agent had written it; without one, into the store, and the next sandbox starts with it.
    /// </summary>
    public Task<FileEvent?> WriteFileAsync(string path, SpooledFile content, CancellationToken cancellationToken) => InvokeAsync(() =>
    {
        ThrowIfFenced();
        Touch();
        return _sandbox.WriteFileAsync(path, content, cancellationToken);
    });

    /// <summary>Deletes a workspace file for a client; returns whether it existed.</summary>
    public Task<bool> DeleteFileAsync(string path, CancellationToken cancellationToken) => InvokeAsync(() =>
    {
        ThrowIfFenced();
        Touch();
        return _sandbox.DeleteFileAsync(path, cancellationToken);
    });

    /// <summary>
    /// Rejects a path that goes through a symbolic link in the running sandbox's workspace, as writes and deletes
    /// would. Not a command: it only reads the sandbox, like a file read.
    /// </summary>
    public Task CheckPathAsync(string path, CancellationToken cancellationToken) => _sandbox.CheckPathAsync(path, cancellationToken);

    /// <summary>Sets the session's own model budget (null: the profile's applies) and applies it to the running sandbox.</summary>
    public Task<SessionMetadata> SetBudgetAsync(ModelBudget? budget, CancellationToken cancellationToken) => InvokeAsync(async () =>
    {
        ThrowIfFenced();
        Touch();
        _record = _record with { Metadata = (Log.Read(p => p.Metadata) ?? _record.Metadata) with { Budget = budget } };
        await _services.Store.UpdateSessionAsync(_record, cancellationToken).ConfigureAwait(false);
        var profile = (await _services.Store.GetProfileVersionAsync(_record.AgentProfileRef, _record.AgentProfileVersion, cancellationToken).ConfigureAwait(false))?.Profile;
        _sandbox.SetBudget(budget ?? profile?.Budget);
        await Log.AppendAsync(new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = _record.Metadata }, cancellationToken).ConfigureAwait(false);
        return _record.Metadata;
    });

    /// <summary>
    /// Moves the session to a version of its profile (the latest when <paramref name="version"/> is null), recorded by its
    /// number. The next turn runs on it: the agent is connected again when the version differs from its own.
    /// </summary>
    /// <exception cref="ArgumentException">The profile has no such version, or it is another tenant's.</exception>
    public Task<SessionListItem> SetProfileVersionAsync(int? version, CancellationToken cancellationToken) => InvokeAsync(async () =>
    {
        ThrowIfFenced();
        var stored = await _services.Store.GetProfileVersionAsync(_record.AgentProfileRef, version, cancellationToken).ConfigureAwait(false);
        if (stored is null || (stored.Profile.TenantId is { } owner && owner != _record.TenantId))
        {
            throw new ArgumentException(
                $"Profile '{_record.AgentProfileRef}' has no {(version is { } v ? $"version {v}" : "latest version: it was deleted")}.", nameof(version));
        }

        if (stored.Version != _record.AgentProfileVersion)
        {
            Touch();
            _record = _record with { AgentProfileVersion = stored.Version };
            await _services.Store.UpdateSessionAsync(_record, cancellationToken).ConfigureAwait(false);
            PublishListChange();
        }

        return ToListItem();
    });
}
