using System.Collections.Concurrent;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Cluster;

/// <summary>
/// The session actors loaded in this process. Only a session's grain activation loads or unloads its actor here, so the
/// cluster's one-activation guarantee makes the actor the one writer of its session; everything else only looks up an
/// actor already loaded (to subscribe to its log without a hop through the grain, or to show its live state in lists).
/// </summary>
internal sealed partial class LocalSessions(SessionServices services, ILocalSiloDetails? silo = null) : IAsyncDisposable
{
    // What a loaded session's runtime names as its node: this silo's endpoint.
    private readonly string? _node = silo?.SiloAddress.Endpoint.ToString();

    private readonly ConcurrentDictionary<string, Lazy<Task<SessionActor>>> _actors = new(StringComparer.Ordinal);
    private readonly ILogger _logger = services.LoggerFactory.CreateLogger<LocalSessions>();

    public SessionServices Services => services;

    /// <summary>
    /// Whether this node is draining before it stops: it hands its sessions over as their turns end and takes no new
    /// ones while another node can (<see cref="SessionPlacementDirector"/>).
    /// </summary>
    public bool Draining { get; set; }

    /// <summary>The loaded actors, for the idle sweep.</summary>
    public IEnumerable<SessionActor> Loaded =>
        _actors.Values.Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result);

    public SessionActor? TryGetLoaded(string sessionId) =>
        _actors.TryGetValue(sessionId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    /// <summary>Whether this node is stopping: its sessions are being unloaded, and it loads none (set by the host's stop).</summary>
    public bool Stopping { get; set; }

    /// <summary>The session's actor, loaded from the store when it is not in memory. Called by the session's grain only.</summary>
    /// <exception cref="SessionNotFoundException">No such session.</exception>
    /// <exception cref="NodeStoppingException">The session is not loaded and this node is stopping.</exception>
    public async Task<SessionActor> GetAsync(string sessionId)
    {
        if (Stopping && TryGetLoaded(sessionId) is null)
        {
            throw new NodeStoppingException();
        }

        var lazy = _actors.GetOrAdd(sessionId, id => new Lazy<Task<SessionActor>>(() => LoadAsync(id)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed load is not cached: the next request tries again.
            _actors.TryRemove(new KeyValuePair<string, Lazy<Task<SessionActor>>>(sessionId, lazy));
            throw;
        }
    }

    /// <summary>Forgets the actor if it is <paramref name="actor"/> (a deleted or unloaded one) and disposes it.</summary>
    public async Task RemoveAsync(SessionActor actor)
    {
        if (_actors.TryGetValue(actor.SessionId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, actor))
        {
            _actors.TryRemove(new KeyValuePair<string, Lazy<Task<SessionActor>>>(actor.SessionId, lazy));
        }

        await actor.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Unloads the session's actor if one is loaded: stops its turn and sandbox and persists what is left.</summary>
    public async Task UnloadAsync(string sessionId)
    {
        if (TryGetLoaded(sessionId) is { } actor)
        {
            await RemoveAsync(actor).ConfigureAwait(false);
            LogSessionUnloaded(sessionId);
        }
    }

    /// <summary>Unloads the session's actor for another node to take; its subscribers are told it moved.</summary>
    public async Task HandOverAsync(SessionActor actor)
    {
        await actor.HandOverAsync().ConfigureAwait(false);
        await RemoveAsync(actor).ConfigureAwait(false);
        LogSessionHandedOver(actor.SessionId);
    }

    /// <summary>Unloads every session. Called at shutdown, before the grains deactivate (which then find nothing to do).</summary>
    public async ValueTask DisposeAsync()
    {
        var actors = Loaded.ToList();
        _actors.Clear();
        await Task.WhenAll(actors.Select(a => a.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private async Task<SessionActor> LoadAsync(string sessionId)
    {
        var record = await services.Store.GetSessionAsync(sessionId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new SessionNotFoundException(sessionId);
        if (!services.Architectures.TryGetValue(record.Architecture, out var architecture))
        {
            throw new InvalidOperationException($"Session '{sessionId}' uses architecture '{record.Architecture}', which this server does not have.");
        }

        var actor = await SessionActor.LoadAsync(record, architecture, services, CancellationToken.None, _node).ConfigureAwait(false);
        LogSessionLoaded(sessionId, actor.Log.LastSeq);
        return actor;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded session {SessionId} with {LastSeq} logged events")]
    private partial void LogSessionLoaded(string sessionId, long lastSeq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed session {SessionId} over to another node")]
    private partial void LogSessionHandedOver(string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded session {SessionId}")]
    private partial void LogSessionUnloaded(string sessionId);
}
