using System.Runtime.CompilerServices;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Gateway;
using AgentRuntime.Sessions;
using Orleans.Concurrency;
using Orleans.Placement;

namespace AgentRuntime.Cluster;

/// <summary>
/// The activation that owns a session. Every call is handed to the session's actor on this node, loading it first if
/// needed; the actor's loop orders the commands, so the grain is reentrant: a slow command (a delete waiting for a turn
/// to stop) does not hold up reads or the 409 for a second message. The grain stays active while the session is loaded
/// (<see cref="KeepAliveAttribute"/>): the runtime's own idle sweep, which knows about turns, sandboxes and
/// subscribers, decides when it goes. Its awaits stay on the grain's scheduler, as grain code must.
/// </summary>
/// <remarks>
/// Placed on the node that first asks for it (<see cref="SessionPlacement"/>): the one whose client created or woke the
/// session, whose subscribers then read its log with no hop; never on a node draining for a stop. A load balancer that
/// spreads clients spreads sessions with them. Never migrated while
/// active: its sandbox and agent process cannot follow it.
/// </remarks>
[SessionPlacement]
[Immovable]
[Reentrant]
[KeepAlive]
internal sealed class SessionGrain(LocalSessions sessions) : Grain, ISessionGrain
{
    // An upload whose sender went quiet this long (its node lost, its client gone without an abort) is dropped when the
    // next one starts, so abandoned spooled copies do not pile up while the session stays loaded.
    private static readonly TimeSpan AbandonedUploadAge = TimeSpan.FromMinutes(5);

    // Grain calls run one at a time between awaits (reentrant or not), so a plain dictionary is safe here.
    private readonly Dictionary<Guid, PendingUpload> _uploads = [];

    private string SessionId => this.GetPrimaryKeyString();

    public async Task<SessionListItem> LoadAsync() => (await ActorAsync()).ToListItem();

    public async Task<Immutable<SessionDetail>> GetDetailAsync()
    {
        var actor = await ActorAsync();
        var item = actor.ToListItem();
        // Immutable: a caller on this node takes the projection as it is, without a copy of the whole conversation.
        return new Immutable<SessionDetail>(actor.Log.Read(p => new SessionDetail
        {
            SessionId = item.SessionId,
            TenantId = item.TenantId,
            Architecture = item.Architecture,
            AgentProfileRef = item.AgentProfileRef,
            AgentProfileVersion = item.AgentProfileVersion,
            Name = item.Name,
            CreatedAt = item.CreatedAt,
            LastActivity = item.LastActivity,
            TurnState = item.TurnState,
            Runtime = item.Runtime,
            Blocks = p.Blocks,
            Subagents = p.Subagents,
            Metadata = p.Metadata,
            PendingApprovals = [.. p.PendingApprovals],
            Options = p.Options,
            WorkspaceFiles = [],
            LastSeq = p.LastSeq,
        }));
    }

    public async IAsyncEnumerable<SessionEvent> SubscribeAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var actor = await ActorAsync();
        await foreach (var e in actor.Log.SubscribeAsync(afterSeq, cancellationToken))
        {
            yield return e;
        }
    }

    public async Task<string> SendMessageAsync(string content, IReadOnlyList<MessageImage> images) =>
        await (await ActorAsync()).SendMessageAsync(content, images);

    public async Task<string> InterruptAsync() => await (await ActorAsync()).InterruptAsync();

    public async Task<ApprovalResolvedEvent> AnswerApprovalAsync(string approvalId, ApprovalAnswer answer, string by) =>
        await (await ActorAsync()).AnswerApprovalAsync(approvalId, answer, by);

    public async Task<SessionOptions> UpdateOptionsAsync(SessionOptionsUpdate update) =>
        await (await ActorAsync()).UpdateOptionsAsync(update);

    public async Task<SessionMetadata> SetBudgetAsync(ModelBudget? budget, CancellationToken cancellationToken) =>
        await (await ActorAsync()).SetBudgetAsync(budget, cancellationToken);

    public async Task<SessionListItem> SetProfileVersionAsync(int? version, CancellationToken cancellationToken) =>
        await (await ActorAsync()).SetProfileVersionAsync(version, cancellationToken);

    public async Task<FileEvent?> WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var actor = await ActorAsync();
        await using var spooled = SpooledFile.FromBytes(content);
        return await actor.WriteFileAsync(path, spooled, cancellationToken);
    }

    public async Task AppendUploadAsync(Guid uploadId, Immutable<byte[]> piece)
    {
        _ = await ActorAsync();
        var now = sessions.Services.Time.GetUtcNow();
        if (!_uploads.TryGetValue(uploadId, out var upload))
        {
            await DropAbandonedUploadsAsync(now);
            var options = sessions.Services.Options;
            upload = new PendingUpload(new SpooledFile.Writer(options.MaxFileBytes, SpooledFile.DirectoryFor(options)));
            _uploads.Add(uploadId, upload);
        }

        upload.LastPiece = now;
        if (!await upload.Content.AppendAsync(piece.Value, CancellationToken.None))
        {
            await AbortUploadAsync(uploadId);
            throw new ArgumentException($"The file is larger than AgentRuntime:MaxFileBytes ({sessions.Services.Options.MaxFileBytes} bytes).", "content");
        }
    }

    public async Task<FileUpload> CommitUploadAsync(Guid uploadId, string path, CancellationToken cancellationToken)
    {
        if (!_uploads.Remove(uploadId, out var upload))
        {
            throw new InvalidOperationException($"Upload {uploadId} is not open on this session's node; send the file again.");
        }

        // The copy is complete before the actor is entered, so a slow upload held neither the actor nor a store
        // transaction, and memory stayed flat whatever the file's size.
        await using var writer = upload.Content;
        await using var spooled = await writer.CompleteAsync(cancellationToken);
        var change = await (await ActorAsync()).WriteFileAsync(path, spooled, cancellationToken);
        return new FileUpload(spooled.Length, change);
    }

    public async Task AbortUploadAsync(Guid uploadId)
    {
        if (_uploads.Remove(uploadId, out var upload))
        {
            await upload.Content.DisposeAsync();
        }
    }

    public async Task<bool> DeleteFileAsync(string path, CancellationToken cancellationToken) =>
        await (await ActorAsync()).DeleteFileAsync(path, cancellationToken);

    public async Task CheckPathAsync(string path, CancellationToken cancellationToken)
    {
        // Only a running sandbox has links to refuse; a session that is not loaded is not loaded for this.
        if (sessions.TryGetLoaded(SessionId) is { } actor)
        {
            await actor.CheckPathAsync(path, cancellationToken);
        }
        else
        {
            DeactivateOnIdle();
        }
    }

    public async Task<string> DeleteAsync()
    {
        var actor = await ActorAsync();
        await actor.DeleteAsync();
        await sessions.RemoveAsync(actor);
        DeactivateOnIdle();
        return actor.TenantId;
    }

    public async Task<bool> UnloadIfIdleAsync()
    {
        if (sessions.TryGetLoaded(SessionId) is not { } actor)
        {
            DeactivateOnIdle();
            return true;
        }

        var services = sessions.Services;
        if (actor.HasSandboxOrTurn || actor.Log.SubscriberCount > 0 || services.Time.GetUtcNow() - actor.LastActivity < services.Options.SessionIdleTimeout)
        {
            return false;
        }

        await sessions.UnloadAsync(SessionId);
        DeactivateOnIdle();
        return true;
    }

    public async Task<bool> HandOverAsync()
    {
        if (sessions.TryGetLoaded(SessionId) is { } actor)
        {
            if (actor.HasTurn)
            {
                return false;
            }

            await sessions.HandOverAsync(actor);
        }

        DeactivateOnIdle();
        return true;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Whatever the reason (idle, this node shutting down, the cluster moving the session), the actor goes with the
        // activation: a session is loaded only where its activation is. Uploads still arriving start again elsewhere.
        foreach (var upload in _uploads.Values)
        {
            await upload.Content.DisposeAsync();
        }

        _uploads.Clear();
        await sessions.UnloadAsync(SessionId);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private async Task<SessionActor> ActorAsync()
    {
        try
        {
            var actor = await sessions.GetAsync(SessionId);
            if (actor.Log.IsFenced)
            {
                // Its store refused an append: another writer got to the log (a node taken for dead that was not). This
                // actor's view is stale; the session is loaded again from the store, as the other writer left it.
                await sessions.UnloadAsync(SessionId);
                actor = await sessions.GetAsync(SessionId);
            }

            return actor;
        }
        catch
        {
            // Nothing is loaded (no such session, or its load failed): the activation, kept alive only for a loaded
            // session, must not outlive the call, or every unknown id a client tried would stay in memory.
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task DropAbandonedUploadsAsync(DateTimeOffset now)
    {
        foreach (var (id, upload) in _uploads.Where(u => now - u.Value.LastPiece > AbandonedUploadAge).ToList())
        {
            _uploads.Remove(id);
            await upload.Content.DisposeAsync();
        }
    }

    private sealed class PendingUpload(SpooledFile.Writer content)
    {
        public SpooledFile.Writer Content { get; } = content;

        public DateTimeOffset LastPiece { get; set; }
    }
}
