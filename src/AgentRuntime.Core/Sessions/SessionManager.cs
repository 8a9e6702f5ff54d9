using AgentRuntime.Architectures;
using AgentRuntime.Cluster;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace AgentRuntime.Sessions;

/// <summary>
/// The entry point of every client command. A command goes to the session's grain, which owns the session's actor on
/// whichever node of the cluster it is active (one process: this one); a session is loaded on first use (from
/// persistence when it is not in memory) and unloaded after <c>SessionIdleTimeout</c> without activity, sandbox or
/// subscriber. Live events of a session loaded here are read from its actor's log directly, with no hop per event.
/// </summary>
internal sealed partial class SessionManager(SessionServices services, LocalSessions local, IGrainFactory grains) : IAgentSessionManager, IAsyncDisposable
{
    // What a denial may tell the agent; longer is more than a person types.
    private const int MaxApprovalMessageChars = 4000;

    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(200);

    // What one call of a large upload carries to the session's node.
    private const int UploadPieceBytes = 256 * 1024;

    private readonly ILogger _logger = services.LoggerFactory.CreateLogger<SessionManager>();

    /// <summary>Has the runtime's meter observe the sessions loaded on this node and their running sandboxes; returns this manager.</summary>
    public SessionManager WithObservedMetrics()
    {
        services.Telemetry.ObserveSessions(() => local.Loaded.Count(), () => local.Loaded.Count(actor => actor.HasLiveSandbox));
        return this;
    }

    public async Task<SessionListItem> CreateSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken)
    {
        var architecture = ResolveArchitecture(request.Architecture);
        if (string.IsNullOrWhiteSpace(request.AgentProfileRef))
        {
            throw new ArgumentException("agentProfileRef is required.", nameof(request));
        }

        var tenantId = Security.Tenants.Validate(request.TenantId ?? Security.Tenants.Default, nameof(request));
        // The session runs on the profile's latest version as it is now; a later change reaches it only when asked to.
        var stored = await services.Store.GetProfileVersionAsync(request.AgentProfileRef, null, cancellationToken).ConfigureAwait(false) is { } latest
            && IsVisible(latest.Profile, tenantId) ? latest : null;
        var profile = stored?.Profile ?? throw new ArgumentException($"Profile '{request.AgentProfileRef}' does not exist.", nameof(request));
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, content) in (profile.Files ?? new Dictionary<string, string>()).Concat(request.Files ?? new Dictionary<string, string>()))
        {
            files[WorkspacePaths.Normalize(path)] = content;
        }

        var now = services.Time.GetUtcNow();
        var record = new SessionRecord
        {
            SessionId = Guid.NewGuid().ToString(),
            TenantId = tenantId,
            Architecture = architecture.Name,
            AgentProfileRef = request.AgentProfileRef,
            AgentProfileVersion = stored.Version,
            Name = request.Name,
            CreatedAt = now,
            LastActivity = now,
        };
        await using var slot = await services.Limits.ReserveSessionAsync(tenantId, cancellationToken).ConfigureAwait(false);
        await services.Store.CreateSessionAsync(record, cancellationToken).ConfigureAwait(false);
        // Told before the session is loaded, so that the list's subscribers see it created before any of its updates
        // (loading it and writing its files already change its state).
        services.ListFeed.Publish(new SessionListChange { Kind = SessionListChangeKind.Created, SessionId = record.SessionId, TenantId = tenantId, Session = SessionListItems.Unloaded(record) });
        var grain = Grain(record.SessionId);
        foreach (var (path, content) in files)
        {
            await grain.WriteFileAsync(path, System.Text.Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        }

        var item = await grain.LoadAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        LogSessionCreated(record.SessionId, record.Architecture);
        return item;
    }

    public async Task<IReadOnlyList<SessionListItem>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken) =>
        ToListItems(await services.Store.ListSessionSummariesAsync(tenantId, after: null, limit: null, cancellationToken).ConfigureAwait(false));

    public async Task<SessionListPage> ListSessionsPageAsync(string? tenantId, int limit, SessionListPosition? after, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);

        // One more than the page, to tell whether another page follows without a query that finds it empty.
        var summaries = await services.Store.ListSessionSummariesAsync(tenantId, after, limit == int.MaxValue ? null : limit + 1, cancellationToken).ConfigureAwait(false);
        if (summaries.Count <= limit)
        {
            return new SessionListPage(ToListItems(summaries), Next: null);
        }

        var page = summaries.Take(limit).ToList();
        // The next page starts after the last session as stored, whatever its live state says: that is the place the
        // store's order knows.
        return new SessionListPage(ToListItems(page), SessionListPosition.Of(page[^1]));
    }

    public async Task<SessionDetail> GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var detail = await Grain(sessionId).GetDetailAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var files = await services.Store.ListWorkspaceFilesAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return detail.Value with { WorkspaceFiles = files };
    }

    public Task<string> InterruptAsync(string sessionId, CancellationToken cancellationToken) =>
        Grain(sessionId).InterruptAsync().WaitAsync(cancellationToken);

    public async Task<ApprovalResolvedEvent> AnswerApprovalAsync(string sessionId, string approvalId, ApprovalAnswer answer, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Message is { Length: > MaxApprovalMessageChars })
        {
            throw new ArgumentException($"The message is longer than {MaxApprovalMessageChars} characters.", nameof(answer));
        }

        if (answer.UpdatedInput is { } input && (input.ValueKind != System.Text.Json.JsonValueKind.Object || answer.Decision != ApprovalDecisionKind.Allow))
        {
            throw new ArgumentException("updatedInput must be a JSON object, and goes with an allow only.", nameof(answer));
        }

        return await Grain(sessionId).AnswerApprovalAsync(approvalId, answer, by).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SessionOptions> UpdateOptionsAsync(string sessionId, SessionOptionsUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Model is { Length: > 200 } || update.Model?.Any(char.IsControl) == true)
        {
            throw new ArgumentException("model must be a model name of at most 200 characters.", nameof(update));
        }

        return await Grain(sessionId).UpdateOptionsAsync(update).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<string> SendMessageAsync(string sessionId, string content, CancellationToken cancellationToken) =>
        SendMessageAsync(sessionId, content, [], cancellationToken);

    public async Task<string> SendMessageAsync(string sessionId, string content, IReadOnlyList<Blocks.MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (string.IsNullOrWhiteSpace(content) && images.Count == 0)
        {
            throw new ArgumentException("The message content is empty.", nameof(content));
        }

        MessageImages.Validate(images, services.Options);
        return await Grain(sessionId).SendMessageAsync(content, images).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SessionMetadata> SetBudgetAsync(string sessionId, Gateway.ModelBudget? budget, CancellationToken cancellationToken)
    {
        if (budget is { MaxTokens: < 0 } or { MaxCostUsd: < 0 })
        {
            throw new ArgumentException("A budget's maxTokens and maxCostUSD cannot be negative.", nameof(budget));
        }

        return await Grain(sessionId).SetBudgetAsync(budget, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SessionListItem> SetProfileVersionAsync(string sessionId, int? version, CancellationToken cancellationToken)
    {
        if (version is < 1)
        {
            throw new ArgumentException("A profile version is a number from 1, or 'latest'.", nameof(version));
        }

        return await Grain(sessionId).SetProfileVersionAsync(version, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetSessionTenantAsync(string sessionId, CancellationToken cancellationToken) =>
        local.TryGetLoaded(sessionId)?.TenantId ?? (await services.Store.GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false))?.TenantId;

    public async Task<bool> SessionExistsAsync(string sessionId, CancellationToken cancellationToken) =>
        local.TryGetLoaded(sessionId) is not null || await services.Store.GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false) is not null;

    public async Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        string tenantId;
        try
        {
            tenantId = await Grain(sessionId).DeleteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionNotFoundException)
        {
            return false;
        }

        services.ListFeed.Publish(new SessionListChange { Kind = SessionListChangeKind.Deleted, SessionId = sessionId, TenantId = tenantId });
        LogSessionDeleted(sessionId);
        return true;
    }

    public async Task<IReadOnlyList<SessionEvent>> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken)
    {
        _ = await services.Store.GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(sessionId);
        var events = new List<SessionEvent>();
        await foreach (var e in services.Store.ReadEventsAsync(sessionId, afterSeq, cancellationToken).ConfigureAwait(false))
        {
            events.Add(e);
        }

        return events;
    }

    public IAsyncEnumerable<SessionEvent> SubscribeAsync(string sessionId, long afterSeq, CancellationToken cancellationToken) =>
        new ClusterSubscription(Grain(sessionId), local, sessionId, afterSeq).ReadAsync(cancellationToken);

    public IAsyncEnumerable<SessionListChange> SubscribeSessionListAsync(CancellationToken cancellationToken) => services.ListFeed.SubscribeAsync(cancellationToken);

    public async Task<IReadOnlyList<WorkspaceFileInfo>> ListFilesAsync(string sessionId, CancellationToken cancellationToken)
    {
        await ThrowIfMissingAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return await services.Store.ListWorkspaceFilesAsync(sessionId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        var normalized = WorkspacePaths.Normalize(path);
        await ThrowIfMissingAsync(sessionId, cancellationToken).ConfigureAwait(false);
        // Wherever the session is loaded: a running sandbox's links are refused as writes and deletes would refuse them.
        await Grain(sessionId).CheckPathAsync(normalized, cancellationToken).ConfigureAwait(false);

        return await services.Store.OpenWorkspaceFileAsync(sessionId, normalized, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WorkspaceFileWrite> WriteFileAsync(string sessionId, string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var normalized = WorkspacePaths.Normalize(path);
        ThrowIfNotSessionId(sessionId);

        // Content that a file event can carry (most writes) goes in the call itself; anything larger is sent to the
        // session's node in pieces, in order, each awaited (so memory stays flat whatever the file's size and a slow
        // client slows only its own upload), and written by the actor there once complete.
        var head = new byte[FileEvents.InlineLimit + 1];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (headLength > services.Options.MaxFileBytes)
        {
            throw new ArgumentException($"The file is larger than AgentRuntime:MaxFileBytes ({services.Options.MaxFileBytes} bytes).", nameof(content));
        }

        var grain = Grain(sessionId);
        if (headLength <= FileEvents.InlineLimit)
        {
            var inline = await grain.WriteFileAsync(normalized, head[..headLength], cancellationToken).ConfigureAwait(false);
            return new WorkspaceFileWrite(normalized, headLength, inline);
        }

        var uploadId = Guid.NewGuid();
        try
        {
            await grain.AppendUploadAsync(uploadId, new Immutable<byte[]>(head[..headLength])).WaitAsync(cancellationToken).ConfigureAwait(false);
            // One buffer for every piece: each call has taken its piece (copied it out) before the buffer is refilled.
            var piece = new byte[UploadPieceBytes];
            while (true)
            {
                var read = await content.ReadAtLeastAsync(piece, piece.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await grain.AppendUploadAsync(uploadId, new Immutable<byte[]>(read == piece.Length ? piece : piece[..read])).WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var upload = await grain.CommitUploadAsync(uploadId, normalized, cancellationToken).ConfigureAwait(false);
            return new WorkspaceFileWrite(normalized, upload.Size, upload.Change);
        }
        catch (Exception ex) when (ex is not SessionNotFoundException)
        {
            // The client went away, the file was too large, or the write failed: nothing half-sent stays on the
            // session's node. (Past a lost node the abort has nothing to find; the copy went with the node.)
            await AbortQuietlyAsync(grain, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task AbortQuietlyAsync(ISessionGrain grain, Guid uploadId)
    {
        try
        {
            await grain.AbortUploadAsync(uploadId).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogUploadAbortFailed(ex, uploadId);
        }
    }

    public async Task<bool> DeleteFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        var normalized = WorkspacePaths.Normalize(path);
        return await Grain(sessionId).DeleteFileAsync(normalized, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(string? tenantId, CancellationToken cancellationToken) =>
        [.. (await services.Store.ListProfilesAsync(cancellationToken).ConfigureAwait(false)).Where(p => IsVisible(p, tenantId))];

    public async Task<AgentProfile?> GetProfileAsync(string profileId, string? tenantId, CancellationToken cancellationToken) =>
        await services.Store.GetProfileAsync(profileId, cancellationToken).ConfigureAwait(false) is { } profile && IsVisible(profile, tenantId) ? profile : null;

    public async Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, string? tenantId, CancellationToken cancellationToken) =>
        await services.Store.GetProfileVersionAsync(profileId, version, cancellationToken).ConfigureAwait(false) is { } stored && IsVisible(stored.Profile, tenantId) ? stored : null;

    // A global profile serves every tenant; a tenant's own, only that tenant (and admins, who pass no tenant).
    private static bool IsVisible(AgentProfile profile, string? tenantId) => tenantId is null || profile.TenantId is null || profile.TenantId == tenantId;

    public IReadOnlyList<ArchitectureAvailability> GetArchitectures() =>
        services.Architectures.Values.Select(a => a.GetAvailability() with { UnsupportedProfileFields = a.UnsupportedProfileFields })
            .OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Drains this node before it stops: it takes no new sessions while another node can, hands over every session
    /// with no running turn at once, and each other as its turn ends, until none is left or <paramref name="timeout"/>
    /// has passed (what is left is unloaded by the stop, its turn closed as <c>node_lost</c> where it is next loaded).
    /// Returns how many sessions were still running turns when it gave up.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        local.Draining = true;
        var deadline = services.Time.GetUtcNow() + timeout;
        while (true)
        {
            foreach (var actor in local.Loaded.Where(a => !a.HasTurn).ToList())
            {
                try
                {
                    await Grain(actor.SessionId).HandOverAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHandOverFailed(ex, actor.SessionId);
                }
            }

            var running = local.Loaded.Count();
            if (running == 0)
            {
                LogDrained();
                return 0;
            }

            if (services.Time.GetUtcNow() >= deadline)
            {
                LogDrainTimedOut(running);
                return running;
            }

            await Task.Delay(DrainPollInterval, services.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Unloads the sessions loaded on this node that have been idle for longer than the configured timeout, each through
    /// its grain (which checks again, in order with its commands). Called periodically.
    /// </summary>
    public async Task UnloadIdleSessionsAsync()
    {
        var now = services.Time.GetUtcNow();
        foreach (var actor in local.Loaded.ToList())
        {
            if (!actor.HasSandboxOrTurn
                && actor.Log.SubscriberCount == 0
                && now - actor.LastActivity >= services.Options.SessionIdleTimeout
                && await Grain(actor.SessionId).UnloadIfIdleAsync().ConfigureAwait(false))
            {
                LogSessionUnloaded(actor.SessionId);
            }
        }
    }

    /// <summary>Unloads every session of this node: stops turns and sandboxes and persists what is left. Called at shutdown.</summary>
    /// <summary>
    /// Stops this node's sessions for good: it loads no session from now on (a call for one that is not loaded fails
    /// with <see cref="NodeStoppingException"/>, and the cluster places it elsewhere), then unloads every one.
    /// </summary>
    public async Task StopAsync()
    {
        local.Stopping = true;
        await local.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => local.DisposeAsync();

    private async Task ThrowIfMissingAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (!await SessionExistsAsync(sessionId, cancellationToken).ConfigureAwait(false))
        {
            throw new SessionNotFoundException(sessionId);
        }
    }

    /// <summary>
    /// The list items of stored sessions, in the store's order: a loaded session's from its live state (turn, sandbox, and
    /// a last activity that may be newer than the stored one), sorted again by that activity when it moved one; the sort
    /// is stable, so ties keep the store's order.
    /// </summary>
    private List<SessionListItem> ToListItems(IReadOnlyList<SessionSummary> summaries)
    {
        var items = new List<SessionListItem>(summaries.Count);
        var sorted = true;
        foreach (var summary in summaries)
        {
            var item = local.TryGetLoaded(summary.SessionId) is { } actor ? actor.ToListItem() : SessionListItems.Unloaded(summary);
            sorted &= items.Count == 0 || items[^1].LastActivity >= item.LastActivity;
            items.Add(item);
        }

        // Mostly nothing moved: the sort would only cost time on a long list.
        return sorted ? items : [.. items.OrderByDescending(s => s.LastActivity)];
    }

    /// <summary>The session's grain; an id that is not a GUID names no session, and reaches no grain.</summary>
    private ISessionGrain Grain(string sessionId)
    {
        ThrowIfNotSessionId(sessionId);
        return grains.GetGrain<ISessionGrain>(sessionId);
    }

    private static void ThrowIfNotSessionId(string sessionId)
    {
        if (!Guid.TryParse(sessionId, out _))
        {
            throw new SessionNotFoundException(sessionId);
        }
    }

    private IAgentArchitecture ResolveArchitecture(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("architecture is required.", nameof(name));
        }

        if (services.Architectures.TryGetValue(name, out var architecture))
        {
            return architecture;
        }

        var known = string.Join(", ", services.Architectures.Keys.Order(StringComparer.Ordinal));
        throw new ArgumentException($"Unknown architecture '{name}'. This server has: {known}.", nameof(name));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created session {SessionId} ({Architecture})")]
    private partial void LogSessionCreated(string sessionId, string architecture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded idle session {SessionId}")]
    private partial void LogSessionUnloaded(string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted session {SessionId}")]
    private partial void LogSessionDeleted(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand session {SessionId} over while draining; it is unloaded when this node stops")]
    private partial void LogHandOverFailed(Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: every session of this node was handed over")]
    private partial void LogDrained();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timed out with {Running} sessions still running turns; they are cut off by the stop")]
    private partial void LogDrainTimedOut(int running);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not drop upload {UploadId} on its session's node; it is dropped when the session unloads")]
    private partial void LogUploadAbortFailed(Exception exception, Guid uploadId);
}
