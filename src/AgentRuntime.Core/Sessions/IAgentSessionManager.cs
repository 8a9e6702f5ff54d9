using AgentRuntime.Architectures;
using AgentRuntime.Events;
using AgentRuntime.Profiles;

namespace AgentRuntime.Sessions;

/// <summary>
/// The runtime's sessions, for the transports and for applications that drive sessions in-process.
/// </summary>
public interface IAgentSessionManager
{
    /// <summary>Creates a session.</summary>
    /// <exception cref="ArgumentException">Unknown architecture or profile (or a profile of another tenant).</exception>
    /// <exception cref="LimitExceededException">The tenant has as many sessions as it may.</exception>
    Task<SessionListItem> CreateSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken);

    /// <summary>The sessions of a tenant (of all when <paramref name="tenantId"/> is null), most recently active first.</summary>
    Task<IReadOnlyList<SessionListItem>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the sessions of a tenant (of all when <paramref name="tenantId"/> is null): at most
    /// <paramref name="limit"/> of them, the first after <paramref name="after"/> in the stored order (most recently
    /// active, then by id), or from the start when it is null, with the place where the next page starts. A session that
    /// does not change while a caller pages neither shows up twice nor is missed; one that does may move (the live list
    /// feed tells of it). Within a page, as in the whole list, a loaded session is shown as it is live.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is 0 or less.</exception>
    Task<SessionListPage> ListSessionsPageAsync(string? tenantId, int limit, Persistence.SessionListPosition? after, CancellationToken cancellationToken);

    /// <summary>A session with its conversation, loading it from persistence when it is not in memory.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    Task<SessionDetail> GetSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Starts a turn answering <paramref name="content"/> and returns its id at once; the answer streams as events.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="TurnInProgressException">A turn is running.</exception>
    Task<string> SendMessageAsync(string sessionId, string content, CancellationToken cancellationToken);

    /// <summary>As <see cref="SendMessageAsync(string, string, CancellationToken)"/>, with images for the model to see.</summary>
    /// <exception cref="ArgumentException">More images than allowed, an image too large, of another type, or not base64.</exception>
    Task<string> SendMessageAsync(string sessionId, string content, IReadOnlyList<Blocks.MessageImage> images, CancellationToken cancellationToken);

    /// <summary>Sets a session's own model budget (null: its profile's applies); a raised budget lets the next model call through.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ArgumentException">A bound is negative.</exception>
    Task<SessionMetadata> SetBudgetAsync(string sessionId, Gateway.ModelBudget? budget, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the session's running turn; it ends as <c>turn:completed</c> with <c>stopReason: interrupted</c>.
    /// Returns the turn's id.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="NoTurnRunningException">No turn runs.</exception>
    Task<string> InterruptAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Answers a pending approval; returns the resolution as logged. <paramref name="by"/> says who answered.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ApprovalNotFoundException">No such approval.</exception>
    /// <exception cref="ApprovalAlreadyResolvedException">It was decided before.</exception>
    Task<Events.ApprovalResolvedEvent> AnswerApprovalAsync(string sessionId, string approvalId, ApprovalAnswer answer, string by, CancellationToken cancellationToken);

    /// <summary>Changes the session's options (from its next turn); returns them as they are now.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    Task<SessionOptions> UpdateOptionsAsync(string sessionId, SessionOptionsUpdate update, CancellationToken cancellationToken);

    /// <summary>Whether a session with this id exists.</summary>
    Task<bool> SessionExistsAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a session to a version of its profile (the latest when <paramref name="version"/> is null); its next turn runs
    /// on it. Returns the session as it is now.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ArgumentException">The profile has no such version (or no latest: it was deleted).</exception>
    Task<SessionListItem> SetProfileVersionAsync(string sessionId, int? version, CancellationToken cancellationToken);

    /// <summary>The tenant that owns a session, or <see langword="null"/> when there is no such session.</summary>
    Task<string?> GetSessionTenantAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Stops the session's sandbox and removes the session and all its data. Returns whether it existed.</summary>
    Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>The logged events after <paramref name="afterSeq"/>, without waiting for new ones.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    Task<IReadOnlyList<SessionEvent>> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken);

    /// <summary>
    /// The logged events after <paramref name="afterSeq"/> and then live ones as they happen, with no gap and no duplicate
    /// at the seam. Ends when the session is deleted or unloaded, or with <see cref="SubscriberLaggedException"/> when the
    /// reader falls too far behind.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    IAsyncEnumerable<SessionEvent> SubscribeAsync(string sessionId, long afterSeq, CancellationToken cancellationToken);

    /// <summary>Changes to the session list as they happen.</summary>
    IAsyncEnumerable<SessionListChange> SubscribeSessionListAsync(CancellationToken cancellationToken);

    /// <summary>The session's workspace files as last stored (after the last tool call), by path.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    Task<IReadOnlyList<WorkspaceFileInfo>> ListFilesAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a workspace file's stored content, or returns <see langword="null"/>; works with no sandbox running. The
    /// stream reads from the store as it is consumed; dispose it when done.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ArgumentException">The path is not a valid workspace path.</exception>
    Task<Stream?> OpenFileAsync(string sessionId, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a workspace file from <paramref name="content"/>, read to its end (the agent sees it on its next turn), and
    /// returns its size and the change, which is <see langword="null"/> when the content was already there.
    /// </summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ArgumentException">The path is not a valid workspace path, or the content is larger than <c>AgentRuntime:MaxFileBytes</c>.</exception>
    Task<WorkspaceFileWrite> WriteFileAsync(string sessionId, string path, Stream content, CancellationToken cancellationToken);

    /// <summary>Deletes a workspace file; returns whether it existed.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="ArgumentException">The path is not a valid workspace path.</exception>
    Task<bool> DeleteFileAsync(string sessionId, string path, CancellationToken cancellationToken);

    /// <summary>The agent profiles a tenant may use: the global ones and its own (all when <paramref name="tenantId"/> is null).</summary>
    Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(string? tenantId, CancellationToken cancellationToken);

    /// <summary>A profile the tenant may use (any when <paramref name="tenantId"/> is null), or <see langword="null"/>.</summary>
    Task<AgentProfile?> GetProfileAsync(string profileId, string? tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// A version of a profile (the latest when <paramref name="version"/> is null) if the tenant may use it (any when
    /// <paramref name="tenantId"/> is null), or <see langword="null"/>. A numbered version of a deleted profile is found.
    /// </summary>
    Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, string? tenantId, CancellationToken cancellationToken);

    /// <summary>The architectures this server knows and whether each can run now.</summary>
    IReadOnlyList<ArchitectureAvailability> GetArchitectures();
}

/// <summary>What a new session is made of.</summary>
public sealed record CreateSessionRequest
{
    /// <summary>The profile's id.</summary>
    public required string AgentProfileRef { get; init; }

    /// <summary>The architecture, such as <c>claude-agent-sdk</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>An optional display name.</summary>
    public string? Name { get; init; }

    /// <summary>The tenant that will own the session; <see cref="Security.Tenants.Default"/> when absent.</summary>
    public string? TenantId { get; init; }

    /// <summary>Files to write into the workspace before the first turn (path → text), on top of the profile's.</summary>
    public IReadOnlyDictionary<string, string>? Files { get; init; }
}

/// <summary>A page of the session list, as <see cref="IAgentSessionManager.ListSessionsPageAsync"/> returns it.</summary>
/// <param name="Sessions">The page's sessions, most recently active first.</param>
/// <param name="Next">Where the next page starts; <see langword="null"/> when this page is the last.</param>
public sealed record SessionListPage(IReadOnlyList<SessionListItem> Sessions, Persistence.SessionListPosition? Next);

/// <summary>What <see cref="IAgentSessionManager.WriteFileAsync"/> wrote.</summary>
/// <param name="Path">The normalized workspace path.</param>
/// <param name="Size">The bytes written.</param>
/// <param name="Change">The file event, or <see langword="null"/> when the content was already there.</param>
public sealed record WorkspaceFileWrite(string Path, long Size, FileEvent? Change);
