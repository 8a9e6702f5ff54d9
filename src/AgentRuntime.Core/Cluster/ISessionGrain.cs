using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Gateway;
using AgentRuntime.Sessions;
using Orleans.Concurrency;

namespace AgentRuntime.Cluster;

/// <summary>
/// A session, keyed by its id: the cluster keeps one activation of it, which loads the session's actor on its node and
/// hands it every command. The actor stays the only writer of the session's log; the grain only decides where it lives.
/// </summary>
[Alias("AgentRuntime.Session")]
internal interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Loads the session if it is not loaded and returns it as listed.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    [Alias("Load")]
    Task<SessionListItem> LoadAsync();

    /// <summary>The session with its conversation, without its workspace files (the caller reads those from the store).</summary>
    [Alias("Detail")]
    Task<Immutable<SessionDetail>> GetDetailAsync();

    /// <summary>
    /// The session's logged events after <paramref name="afterSeq"/> and then live ones, read from its actor's log on
    /// the grain's node (replay and the seam are the log's own): for a subscriber on another node.
    /// </summary>
    [Alias("Subscribe")]
    IAsyncEnumerable<SessionEvent> SubscribeAsync(long afterSeq, CancellationToken cancellationToken);

    [Alias("Send")]
    Task<string> SendMessageAsync(string content, IReadOnlyList<MessageImage> images);

    [Alias("Interrupt")]
    Task<string> InterruptAsync();

    [Alias("Answer")]
    Task<ApprovalResolvedEvent> AnswerApprovalAsync(string approvalId, ApprovalAnswer answer, string by);

    [Alias("Options")]
    Task<SessionOptions> UpdateOptionsAsync(SessionOptionsUpdate update);

    [Alias("Budget")]
    Task<SessionMetadata> SetBudgetAsync(ModelBudget? budget, CancellationToken cancellationToken);

    [Alias("ProfileVersion")]
    Task<SessionListItem> SetProfileVersionAsync(int? version, CancellationToken cancellationToken);

    /// <summary>Writes a workspace file whose content is small enough to travel in the call.</summary>
    [Alias("WriteInline")]
    Task<FileEvent?> WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the next piece of upload <paramref name="uploadId"/> (a file too large for one call, sent in order by the
    /// node that receives it) into a spooled copy on this node; the first piece starts the upload. Fails with
    /// <see cref="ArgumentException"/> once the content passes <c>AgentRuntime:MaxFileBytes</c>, dropping the upload.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    [Alias("UploadPiece")]
    Task AppendUploadAsync(Guid uploadId, Immutable<byte[]> piece);

    /// <summary>Writes upload <paramref name="uploadId"/>'s content to <paramref name="path"/> through the actor.</summary>
    /// <exception cref="InvalidOperationException">No such upload here (it was dropped, or its pieces went to a lost node).</exception>
    [Alias("UploadCommit")]
    Task<FileUpload> CommitUploadAsync(Guid uploadId, string path, CancellationToken cancellationToken);

    /// <summary>Drops upload <paramref name="uploadId"/> and its spooled copy (a no-op when there is none).</summary>
    [Alias("UploadAbort")]
    Task AbortUploadAsync(Guid uploadId);

    [Alias("DeleteFile")]
    Task<bool> DeleteFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>Rejects a path that goes through a symbolic link in the running sandbox (a no-op without one; never loads the session).</summary>
    [Alias("CheckPath")]
    Task CheckPathAsync(string path, CancellationToken cancellationToken);

    /// <summary>Deletes the session and all its data, and deactivates; returns its tenant.</summary>
    [Alias("Delete")]
    Task<string> DeleteAsync();

    /// <summary>
    /// Unloads the session and deactivates if it has been idle for <c>SessionIdleTimeout</c> with no turn, sandbox or
    /// subscriber; returns whether it did.
    /// </summary>
    [Alias("UnloadIfIdle")]
    Task<bool> UnloadIfIdleAsync();

    /// <summary>
    /// For a node draining before it stops: unloads the session and deactivates unless a turn is running, whatever its
    /// idle time, sandbox or subscribers (they follow it to the node it is activated on next); returns whether it did.
    /// </summary>
    [Alias("HandOver")]
    Task<bool> HandOverAsync();
}

/// <summary>What an upload wrote: its size and the file event (null when the content was already there).</summary>
[GenerateSerializer, Immutable, Alias("AgentRuntime.FileUpload")]
internal sealed record FileUpload([property: Id(0)] long Size, [property: Id(1)] FileEvent? Change);
