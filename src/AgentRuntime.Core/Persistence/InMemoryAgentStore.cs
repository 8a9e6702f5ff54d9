using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRuntime.Architectures;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence;

/// <summary>
/// The store used when no durable one is configured, and by tests: everything lives in this object and is gone
/// when the process ends. One lock guards all state; the store is for development and tests, not for throughput.
/// </summary>
internal sealed class InMemoryAgentStore(TimeProvider? time = null) : IAgentStore
{
    // ReadEventsAsync copies this many events per trip through the lock, so a long read neither holds the lock
    // while the consumer awaits nor copies the whole log up front.
    private const int ReadBatchSize = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SessionState> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Every version of every profile ever saved, oldest first (the number is the index plus one), and the ids deleted
    // since their last save: a deleted profile's versions stay for the sessions that run on them.
    private readonly Dictionary<string, List<(StoredProfile Stored, string Json)>> _profiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedProfiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ApiKeyRecord> _apiKeys = new(StringComparer.Ordinal);

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);
        lock (_lock)
        {
            if (!_sessions.TryAdd(session.SessionId, new SessionState(session)))
            {
                throw new InvalidOperationException($"Session '{session.SessionId}' already exists.");
            }
        }

        return Task.CompletedTask;
    }

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        lock (_lock)
        {
            return Task.FromResult(_sessions.TryGetValue(sessionId, out var state) ? state.Record : null);
        }
    }

    public Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken)
    {
        SessionRecord[] records;
        lock (_lock)
        {
            records = [.. _sessions.Values.Select(s => s.Record).Where(r => tenantId is null || r.TenantId == tenantId)];
        }

        IReadOnlyList<SessionRecord> ordered = [.. records
            .OrderByDescending(r => r.LastActivity.UtcTicks)
            .ThenBy(r => r.SessionId, StringComparer.Ordinal)];
        return Task.FromResult(ordered);
    }

    public Task<IReadOnlyList<SessionSummary>> ListSessionSummariesAsync(string? tenantId, SessionListPosition? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is { } l)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(l, nameof(limit));
        }

        SessionRecord[] records;
        lock (_lock)
        {
            records = [.. _sessions.Values.Select(s => s.Record)
                .Where(r => (tenantId is null || r.TenantId == tenantId) && (after is null || after.IsBefore(r.LastActivity.UtcTicks, r.SessionId)))];
        }

        IReadOnlyList<SessionSummary> page = [.. records
            .OrderByDescending(r => r.LastActivity.UtcTicks)
            .ThenBy(r => r.SessionId, StringComparer.Ordinal)
            .Take(limit ?? int.MaxValue)
            .Select(SessionSummary.From)];
        return Task.FromResult(page);
    }

    public Task<int> CountSessionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        lock (_lock)
        {
            return Task.FromResult(_sessions.Values.Count(s => s.Record.TenantId == tenantId));
        }
    }

    public Task UpdateSessionAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        ValidateRecord(session);
        lock (_lock)
        {
            GetState(session.SessionId).Record = session;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        lock (_lock)
        {
            return Task.FromResult(_sessions.Remove(sessionId));
        }
    }

    public async Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken) =>
        (await AppendEventBatchesAsync([new EventBatch(sessionId, expectedLastSeq, events)], cancellationToken).ConfigureAwait(false))[0];

    public Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        foreach (var batch in batches)
        {
            ArgumentNullException.ThrowIfNull(batch, nameof(batches));
            ArgumentException.ThrowIfNullOrEmpty(batch.SessionId, nameof(batches));
            ArgumentOutOfRangeException.ThrowIfNegative(batch.ExpectedLastSeq, nameof(batches));
            ArgumentNullException.ThrowIfNull(batch.Events, nameof(batches));
            foreach (var e in batch.Events)
            {
                ArgumentNullException.ThrowIfNull(e, nameof(batches));
            }
        }

        var numbered = new IReadOnlyList<SessionEvent>[batches.Count];
        lock (_lock)
        {
            // Every session and every expected last seq first (a later batch of a session expects the earlier one's
            // last), so a missing session or a conflict appends nothing.
            var logs = batches.Select(b => GetState(b.SessionId).Events).ToArray();
            var lastSeqs = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var b = 0; b < batches.Count; b++)
            {
                var last = lastSeqs.TryGetValue(batches[b].SessionId, out var l) ? l : logs[b].Count;
                if (last != batches[b].ExpectedLastSeq)
                {
                    throw new EventLogConflictException(batches[b].SessionId, batches[b].ExpectedLastSeq, last);
                }

                lastSeqs[batches[b].SessionId] = last + batches[b].Events.Count;
            }

            for (var b = 0; b < batches.Count; b++)
            {
                var log = logs[b];
                var events = batches[b].Events;
                var stamped = new SessionEvent[events.Count];
                for (var i = 0; i < events.Count; i++)
                {
                    stamped[i] = events[i] with { Seq = log.Count + i + 1, SessionId = batches[b].SessionId };
                }

                log.AddRange(stamped);
                numbered[b] = stamped;
            }
        }

        return Task.FromResult<IReadOnlyList<IReadOnlyList<SessionEvent>>>(numbered);
    }

    public IAsyncEnumerable<SessionEvent> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        return ReadEventsCoreAsync(sessionId, afterSeq, cancellationToken);
    }

    private async IAsyncEnumerable<SessionEvent> ReadEventsCoreAsync(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Seq n sits at index n - 1 because the log is gap-free and only ever appended to.
        var next = afterSeq;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SessionEvent[] batch;
            lock (_lock)
            {
                if (!_sessions.TryGetValue(sessionId, out var state) || next >= state.Events.Count)
                {
                    yield break;
                }

                var count = (int)Math.Min(ReadBatchSize, state.Events.Count - next);
                batch = new SessionEvent[count];
                state.Events.CopyTo((int)next, batch, 0, count);
            }

            foreach (var e in batch)
            {
                yield return e;
            }

            next += batch.Length;
            await Task.Yield();
        }
    }

    public Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        lock (_lock)
        {
            return Task.FromResult(_sessions.TryGetValue(sessionId, out var state) ? (long)state.Events.Count : 0L);
        }
    }

    public Task<IReadOnlyList<NativeTranscriptFile>> LoadTranscriptAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        KeyValuePair<string, byte[][]>[] files;
        lock (_lock)
        {
            if (!_sessions.TryGetValue(sessionId, out var state))
            {
                return Task.FromResult<IReadOnlyList<NativeTranscriptFile>>([]);
            }

            // The chunk arrays are never mutated once stored, so copying the lists is enough to concatenate outside the lock.
            files = [.. state.Transcripts.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.ToArray()))];
        }

        IReadOnlyList<NativeTranscriptFile> result = [.. files
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new NativeTranscriptFile(kv.Key, Concat(kv.Value)))];
        return Task.FromResult(result);
    }

    public Task AppendTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        var chunk = content.ToArray();
        lock (_lock)
        {
            var transcripts = GetState(sessionId).Transcripts;
            if (!transcripts.TryGetValue(relativePath, out var chunks))
            {
                transcripts[relativePath] = chunks = [];
            }

            chunks.Add(chunk);
        }

        return Task.CompletedTask;
    }

    public Task ReplaceTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        var chunk = content.ToArray();
        lock (_lock)
        {
            GetState(sessionId).Transcripts[relativePath] = [chunk];
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WorkspaceFileInfo>> ListWorkspaceFilesAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        WorkspaceFileInfo[] infos;
        lock (_lock)
        {
            infos = _sessions.TryGetValue(sessionId, out var state) ? [.. state.Files.Values.Select(f => f.Info)] : [];
        }

        IReadOnlyList<WorkspaceFileInfo> ordered = [.. infos.OrderBy(f => f.Path, StringComparer.Ordinal)];
        return Task.FromResult(ordered);
    }

    public Task<Stream?> OpenWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (_lock)
        {
            // A save replaces the array rather than writing into it, so a read-only stream over the stored one is safe.
            Stream? content = _sessions.TryGetValue(sessionId, out var state) && state.Files.TryGetValue(path, out var file)
                ? new MemoryStream(file.Content, writable: false)
                : null;
            return Task.FromResult(content);
        }
    }

    public async Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.Path, nameof(file));
        ArgumentNullException.ThrowIfNull(content);
        if (file.Size is < 0 or > int.MaxValue)
        {
            throw new ArgumentException($"The file info says {file.Size} bytes, more than the in-memory store keeps.", nameof(file));
        }

        // This is the memory store: the content is held whole, in its own array, read before the lock is taken.
        var copy = new byte[file.Size];
        var read = await content.ReadAtLeastAsync(copy, copy.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read != copy.Length || await content.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0)
        {
            throw new ArgumentException($"The file info says {file.Size} bytes but the content has {(read < copy.Length ? read : "more")}.", nameof(file));
        }

        lock (_lock)
        {
            GetState(sessionId).Files[file.Path] = (file, copy);
        }
    }

    public Task<bool> DeleteWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (_lock)
        {
            return Task.FromResult(_sessions.TryGetValue(sessionId, out var state) && state.Files.Remove(path));
        }
    }

    public Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(CancellationToken cancellationToken)
    {
        AgentProfile[] profiles;
        lock (_lock)
        {
            profiles = [.. _profiles.Where(p => !_deletedProfiles.Contains(p.Key)).Select(p => p.Value[^1].Stored.Profile)];
        }

        IReadOnlyList<AgentProfile> ordered = [.. profiles.OrderBy(p => p.Id, StringComparer.Ordinal)];
        return Task.FromResult(ordered);
    }

    public async Task<AgentProfile?> GetProfileAsync(string profileId, CancellationToken cancellationToken) =>
        (await GetProfileVersionAsync(profileId, null, cancellationToken).ConfigureAwait(false))?.Profile;

    public Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        lock (_lock)
        {
            if (!_profiles.TryGetValue(profileId, out var versions))
            {
                return Task.FromResult<StoredProfile?>(null);
            }

            return Task.FromResult(version switch
            {
                null => _deletedProfiles.Contains(profileId) ? null : versions[^1].Stored,
                >= 1 and var v when v <= versions.Count => versions[v - 1].Stored,
                _ => null,
            });
        }
    }

    public Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        lock (_lock)
        {
            IReadOnlyList<ProfileVersionInfo> versions = _profiles.TryGetValue(profileId, out var all) && !_deletedProfiles.Contains(profileId)
                ? [.. all.Select(v => new ProfileVersionInfo(v.Stored.Version, v.Stored.CreatedAt))]
                : [];
            return Task.FromResult(versions);
        }
    }

    public async Task<int> SaveProfileAsync(AgentProfile profile, CancellationToken cancellationToken) =>
        (await SaveProfileAsync(profile, onlyIfNew: false).ConfigureAwait(false))!.Value;

    public Task<int?> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken) => SaveProfileAsync(profile, onlyIfNew: true);

    private Task<int?> SaveProfileAsync(AgentProfile profile, bool onlyIfNew)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrEmpty(profile.Id, nameof(profile));

        // Kept as the JSON the database stores keep, so an identical save is told apart as they tell it, and a later
        // change to the caller's object cannot reach the stored one.
        var json = JsonSerializer.Serialize(profile, AgentRuntimeJsonContext.Default.AgentProfile);
        var copy = JsonSerializer.Deserialize(json, AgentRuntimeJsonContext.Default.AgentProfile)!;
        lock (_lock)
        {
            if (!_profiles.TryGetValue(profile.Id, out var versions))
            {
                _profiles[profile.Id] = versions = [];
            }

            var exists = versions.Count > 0 && !_deletedProfiles.Contains(profile.Id);
            if (exists && onlyIfNew)
            {
                return Task.FromResult<int?>(null);
            }

            if (exists && versions[^1].Json == json)
            {
                return Task.FromResult<int?>(versions.Count);
            }

            versions.Add((new StoredProfile(copy, versions.Count + 1, _time.GetUtcNow()), json));
            _deletedProfiles.Remove(profile.Id);
            return Task.FromResult<int?>(versions.Count);
        }
    }

    public Task<bool> DeleteProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        lock (_lock)
        {
            return Task.FromResult(_profiles.ContainsKey(profileId) && _deletedProfiles.Add(profileId));
        }
    }

    public Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(key.KeyId, nameof(key));
        lock (_lock)
        {
            if (!_apiKeys.TryAdd(key.KeyId, key))
            {
                throw new InvalidOperationException($"API key '{key.KeyId}' already exists.");
            }
        }

        return Task.CompletedTask;
    }

    public Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        lock (_lock)
        {
            return Task.FromResult(_apiKeys.GetValueOrDefault(keyId));
        }
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string? tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ApiKeyRecord> keys = [.. _apiKeys.Values
                .Where(k => tenantId is null || k.TenantId == tenantId)
                .OrderBy(k => k.CreatedAt.UtcTicks)
                .ThenBy(k => k.KeyId, StringComparer.Ordinal)];
            return Task.FromResult(keys);
        }
    }

    public Task<bool> DeleteApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        lock (_lock)
        {
            return Task.FromResult(_apiKeys.Remove(keyId));
        }
    }

    private static void ValidateRecord(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.SessionId, nameof(session));
    }

    // Callers hold _lock.
    private SessionState GetState(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var state)
            ? state
            : throw new KeyNotFoundException($"Session '{sessionId}' does not exist.");

    private static byte[] Concat(byte[][] chunks)
    {
        if (chunks.Length == 1)
        {
            return chunks[0].ToArray();
        }

        var result = new byte[chunks.Sum(c => (long)c.Length)];
        var offset = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(result, offset);
            offset += chunk.Length;
        }

        return result;
    }

    private sealed class SessionState(SessionRecord record)
    {
        public SessionRecord Record { get; set; } = record;

        public List<SessionEvent> Events { get; } = [];

        public Dictionary<string, List<byte[]>> Transcripts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (WorkspaceFileInfo Info, byte[] Content)> Files { get; } = new(StringComparer.Ordinal);
    }
}
