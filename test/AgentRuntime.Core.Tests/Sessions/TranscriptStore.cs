using AgentRuntime.Architectures;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>A store of transcripts only, which records every transcript write it gets.</summary>
internal sealed class TranscriptStore : IAgentStore
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public List<TranscriptWrite> Writes { get; } = [];

    public byte[]? this[string path] => _files.GetValueOrDefault(path);

    public Task<IReadOnlyList<NativeTranscriptFile>> LoadTranscriptAsync(string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<NativeTranscriptFile>>([.. _files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new NativeTranscriptFile(f.Key, f.Value))]);

    public Task AppendTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Writes.Add(new TranscriptWrite(TranscriptWriteKind.Append, relativePath, content.ToArray()));
        _files[relativePath] = [.. _files.GetValueOrDefault(relativePath) ?? [], .. content.Span];
        return Task.CompletedTask;
    }

    public Task ReplaceTranscriptAsync(string sessionId, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Writes.Add(new TranscriptWrite(TranscriptWriteKind.Replace, relativePath, content.ToArray()));
        _files[relativePath] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> CountSessionsAsync(string tenantId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task UpdateSessionAsync(SessionRecord session, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SessionEvent>> AppendEventsAsync(string sessionId, long expectedLastSeq, IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SessionSummary>> ListSessionSummariesAsync(string? tenantId, SessionListPosition? after, int? limit, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<IReadOnlyList<SessionEvent>>> AppendEventBatchesAsync(IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken) => throw new NotSupportedException();

    public IAsyncEnumerable<SessionEvent> ReadEventsAsync(string sessionId, long afterSeq, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<long> GetLastSeqAsync(string sessionId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<WorkspaceFileInfo>> ListWorkspaceFilesAsync(string sessionId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Stream?> OpenWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task SaveWorkspaceFileAsync(string sessionId, WorkspaceFileInfo file, Stream content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteWorkspaceFileAsync(string sessionId, string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<AgentProfile>> ListProfilesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<AgentProfile?> GetProfileAsync(string profileId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<StoredProfile?> GetProfileVersionAsync(string profileId, int? version, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ProfileVersionInfo>> ListProfileVersionsAsync(string profileId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> SaveProfileAsync(AgentProfile profile, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int?> CreateProfileAsync(AgentProfile profile, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteProfileAsync(string profileId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string? tenantId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteApiKeyAsync(string keyId, CancellationToken cancellationToken) => throw new NotSupportedException();
}

internal enum TranscriptWriteKind
{
    Append,
    Replace,
}

internal sealed record TranscriptWrite(TranscriptWriteKind Kind, string Path, byte[] Content);
