using AgentRuntime.Architectures;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence;

/// <summary>
/// Where the runtime keeps sessions: their records, event logs, native transcripts, workspace files, and the
/// agent profiles. Implementations must be safe for concurrent use.
/// </summary>
public interface IAgentStore
{
    /// <summary>Prepares the store (creates tables, applies migrations). Called once at start-up.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Checks, for readiness probes, that the store takes writes now: a write that is rolled back, so nothing changes.
    /// Throws when it cannot (a read-only database or file, a replica, no connection). A store in memory always can.
    /// </summary>
    Task CheckWritableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Adds a new session.</summary>
    /// <exception cref="InvalidOperationException">A session with that id exists.</exception>
    Task CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken);

    /// <summary>The session, or <see langword="null"/>.</summary>
    Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// The sessions of one tenant, or of all when <paramref name="tenantId"/> is null, whole; most recently active first,
    /// and among sessions last active at the same instant by id (ordinal).
    /// </summary>
    Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the session list: the summaries of one tenant's sessions, or of all when <paramref name="tenantId"/> is
    /// null, in the order of <see cref="ListSessionsAsync"/> (most recently active first, then by id, ordinal), those
    /// after <paramref name="after"/> (from the start when null), at most <paramref name="limit"/> of them (all when null).
    /// A store reads the page from an index on that order, so a page costs about the same wherever it starts, and does
    /// not read the metadata, which a summary does not have.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is 0 or less.</exception>
    Task<IReadOnlyList<SessionSummary>> ListSessionSummariesAsync(string? tenantId, SessionListPosition? after, int? limit, CancellationToken cancellationToken);

    /// <summary>How many sessions a tenant has (for its limit), without reading them.</summary>
    Task<int> CountSessionsAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces a session's record.</summary>
    /// <exception cref="KeyNotFoundException">No such session.</exception>
    Task UpdateSessionAsync(SessionRecord session, CancellationToken cancellationToken);

    /// <summary>Removes a session and everything stored for it. Returns whether it existed.</summary>
    Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Appends events to a session's log atomically, numbering them after the log's last sequence number, and returns
    /// them with <see cref="SessionEvent.Seq"/> set; only if the log ends at <paramref name="expectedLastSeq"/>, checked
    /// atomically with the append, so of two writers that both expect the same last seq exactly one appends. The log
    /// never has a gap or a duplicate.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such session.</exception>
    /// <exception cref="EventLogConflictException">The log does not end at <paramref name="expectedLastSeq"/>; nothing was appended.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expectedLastSeq"/> is negative.</exception>
    Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Appends several batches of events, of one or more sessions, in one transaction: all of them or none. Each batch
    /// is appended only if its session's log ends at its <see cref="EventBatch.ExpectedLastSeq"/> as left by the batches
    /// before it (so a second batch of one session in the list expects the first's last seq), checked atomically with
    /// the append, and is numbered from there. Returns the batches numbered, in the order given. This is the group
    /// commit: one durable write for whatever every session produced meanwhile.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A batch names a session that does not exist; nothing was appended.</exception>
    /// <exception cref="EventLogConflictException">
    /// A batch's session's log does not end at the batch's expected last seq; nothing was appended. The first such batch
    /// is named: a caller that wants the others appended appends them again without it.
    /// </exception>
    Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken);

    /// <summary>The events of a session's log with a sequence number greater than <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<SessionEvent> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken);

    /// <summary>The last sequence number of a session's log, 0 when empty.</summary>
    Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>The files of a session's native transcript.</summary>
    Task<IReadOnlyList<NativeTranscriptFile>> LoadTranscriptAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Appends bytes to a transcript file, creating it; what is stored already is not rewritten.</summary>
    Task AppendTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Replaces a transcript file whole (when the agent rewrote it rather than appending).</summary>
    Task ReplaceTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The stored workspace files of a session, by path.</summary>
    Task<IReadOnlyList<WorkspaceFileInfo>> ListWorkspaceFilesAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a stored workspace file for reading, or returns <see langword="null"/> when there is none. The stream
    /// reads the content as it is consumed, so memory does not grow with the file; dispose it when done. A file replaced
    /// or deleted while the stream is read makes a later read fail with <see cref="WorkspaceFileChangedException"/>
    /// rather than return bytes of two versions; a file that fits in one read of the store's is read whole at the open.
    /// </summary>
    Task<Stream?> OpenWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a workspace file, replacing any earlier content atomically: if reading <paramref name="content"/> fails or
    /// it does not hold exactly <see cref="WorkspaceFileInfo.Size"/> bytes, the earlier content stays. The caller
    /// computes <see cref="WorkspaceFileInfo.Size"/> and <see cref="WorkspaceFileInfo.Hash"/> beforehand; the stream is
    /// read once, from its current position, while the store may hold a write lock, so it should be local (a file),
    /// not a network stream.
    /// </summary>
    /// <exception cref="ArgumentException">The content's length differs from <see cref="WorkspaceFileInfo.Size"/>.</exception>
    Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, Stream content, CancellationToken cancellationToken);

    /// <summary>Removes a stored workspace file. Returns whether it existed.</summary>
    Task<bool> DeleteWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken);

    /// <summary>The latest version of every stored profile that is not deleted, by id.</summary>
    Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(CancellationToken cancellationToken);

    /// <summary>The latest version of a profile, or <see langword="null"/> when there is none or it was deleted.</summary>
    Task<AgentProfile?> GetProfileAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>
    /// One version of a profile with its number, or the latest when <paramref name="version"/> is null; <see langword="null"/>
    /// when there is no such version. A numbered version stays readable after its profile is deleted (the sessions that
    /// started with it still run on it); the latest of a deleted profile is <see langword="null"/>.
    /// </summary>
    Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, CancellationToken cancellationToken);

    /// <summary>The versions of a profile that is not deleted, oldest first; empty when there is none.</summary>
    Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a profile as its new latest version, numbered one after the highest it ever had (1 for a new profile, and
    /// for one deleted and saved again the numbering goes on, so a number always names one content), and returns the
    /// number. A profile identical to the latest version (the same JSON) adds no version: its number is returned.
    /// </summary>
    Task<int> SaveProfileAsync(AgentProfile profile, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a profile as <see cref="SaveProfileAsync"/> does, only if no profile with its id exists (a deleted one does
    /// not count, and its numbering continues), as one step: of two creates of one id racing, one saves and the other
    /// gets <see langword="null"/>. Returns the saved version's number.
    /// </summary>
    Task<int?> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a profile: it is no longer listed nor the latest of anything, so no new session can use it. Its versions
    /// are kept for the sessions that use them (<see cref="GetProfileVersionAsync"/> by number). Returns whether it existed.
    /// </summary>
    Task<bool> DeleteProfileAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Adds an API key (its hash; the store never sees the secret).</summary>
    /// <exception cref="InvalidOperationException">A key with that id exists.</exception>
    Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>A key by its public id, or <see langword="null"/>.</summary>
    Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>The keys of one tenant, or of all when <paramref name="tenantId"/> is null; oldest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string? tenantId, CancellationToken cancellationToken);

    /// <summary>Removes a key; returns whether it existed. A removed key no longer authenticates.</summary>
    Task<bool> DeleteApiKeyAsync(string keyId, CancellationToken cancellationToken);
}
