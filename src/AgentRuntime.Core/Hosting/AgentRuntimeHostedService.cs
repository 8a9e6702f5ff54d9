using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Hosting;

/// <summary>
/// Starts the runtime with the host (store initialized, profiles seeded), unloads idle sessions while it runs, and at
/// shutdown stops every turn and sandbox after persisting what they left.
/// </summary>
internal sealed class AgentRuntimeHostedService(
    IAgentStore store,
    ProfileCatalog profiles,
    SessionManager sessions,
    IOptions<AgentRuntimeOptions> options,
    TimeProvider time,
    IHostApplicationLifetime? lifetime = null) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly Lazy<Task> _stopSessions = new(() => StopSessionsAsync(sessions, options.Value));
    private ITimer? _unloadTimer;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Value.GetFullDataDirectory());

        // Spooled copies of files in flight belong to requests and scans of a process that is gone.
        var spool = Sessions.SpooledFile.DirectoryFor(options.Value);
        if (Directory.Exists(spool))
        {
            Directory.Delete(spool, recursive: true);
        }

        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await profiles.SeedAsync(cancellationToken).ConfigureAwait(false);
        // Sandboxes stop as soon as the host begins to stop, not after the web server has drained its connections (up
        // to its shutdown timeout while browsers hold hub streams): a stop that is cut short must not leave them behind.
        lifetime?.ApplicationStopping.Register(() => _ = _stopSessions.Value);
        var period = options.Value.SessionIdleTimeout / 2;
        _unloadTimer = time.CreateTimer(_ => _ = sessions.UnloadIdleSessionsAsync(), null, period, period);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs before any hosted service stops (the web server, the silo), so a draining node still serves its clients and
    /// its running turns while it hands its sessions over.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => _stopSessions.Value.WaitAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _unloadTimer?.Dispose();
        await _stopSessions.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // In a cluster the node drains first (its sessions go on elsewhere); a single server has nowhere to hand them, so its
    // running turns are cut off at once, as before, and closed when the session is next loaded.
    private static async Task StopSessionsAsync(SessionManager sessions, AgentRuntimeOptions options)
    {
        if (options.Cluster.Mode != ClusterMode.Embedded)
        {
            await sessions.DrainAsync(options.Cluster.DrainTimeout, CancellationToken.None).ConfigureAwait(false);
        }

        await sessions.StopAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _unloadTimer?.Dispose();
        return ValueTask.CompletedTask;
    }
}
