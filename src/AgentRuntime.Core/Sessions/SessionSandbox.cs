using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using AgentRuntime.Approvals;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Diagnostics;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

/// <summary>
/// A session's sandbox and everything that lives as long as it: the agent connection, the gateway lease, the tenant's
/// live-sandbox slot, and the health and idle timers. It keeps no session state of its own; what clients see of it
/// (status, restart count) it reports to its <see cref="ISessionSandboxHost"/>, which applies it on the session's loop.
/// </summary>
/// <remarks>
/// Starting, connecting and closing have one caller at a time: the turn while one runs, the loop otherwise (the loop
/// closes only when no turn runs, or after cancelling and awaiting it). Health checks, the workspace scan and client
/// file operations may run on the loop beside a turn: they only read the published sandbox, scans are serialized by
/// <see cref="WorkspaceSync"/>, and a client's write takes <see cref="_workspaceGate"/> so that it lands either in the
/// store before a new sandbox is restored from it or in the sandbox once restored, never in between.
/// </remarks>
internal sealed partial class SessionSandbox
{
    private readonly SessionServices _services;
    private readonly IAgentArchitecture _architecture;
    private readonly ISessionSandboxHost _host;
    private readonly SessionEventLog _log;
    private readonly TranscriptSync _transcripts;
    private readonly WorkspaceSync _workspace;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _workspaceGate = new(1, 1);

    // Published once restored, read by anyone; replaced only by the caller that owns the lifecycle.
    private volatile ISandbox? _sandbox;
    private volatile IAgentConnection? _connection;
    private (string? Model, PermissionMode Mode, int? ProfileVersion) _connectedWith;
    private ITimer? _healthTimer;
    private ITimer? _idleTimer;
    private DependencyLayer? _layer;

    // The tenant's live-sandbox slot: taken on the loop when a message will start a sandbox, given back when it is gone.
    private RateLimitLease? _slot;

    public SessionSandbox(string sessionId, ISessionSandboxHost host, SessionEventLog log, TranscriptSync transcripts, IAgentArchitecture architecture, SessionServices services)
    {
        SessionId = sessionId;
        _host = host;
        _log = log;
        _transcripts = transcripts;
        _architecture = architecture;
        _services = services;
        _workspace = new WorkspaceSync(sessionId, services.Store, services.Time, SpooledFile.DirectoryFor(services.Options));
        _logger = services.LoggerFactory.CreateLogger<SessionSandbox>();
    }

    private string SessionId { get; }

    /// <summary>The running sandbox, or null.</summary>
    public ISandbox? Current => _sandbox is { Terminated.IsCompleted: false } sandbox ? sandbox : null;

    /// <summary>Whether a sandbox is held, running or not yet retired.</summary>
    public bool IsOpen => _sandbox is not null;

    /// <summary>Whether the agent process has exited while still connected (killed, crashed).</summary>
    public bool AgentExited => _connection is { Exited.IsCompleted: true };

    /// <summary>Takes the tenant's live-sandbox slot unless a running sandbox holds it already; throws when the tenant has none left.</summary>
    public void ReserveSlot(string tenantId) =>
        _slot ??= Current is not null ? null : _services.Limits.AcquireSandbox(tenantId);

    /// <summary>Gives the tenant's slot back when no sandbox is held. Only the loop calls it, with no turn running.</summary>
    public void ReleaseSlotIfClosed()
    {
        if (_sandbox is null)
        {
            _slot?.Dispose();
            _slot = null;
        }
    }

    /// <summary>Starts a sandbox unless one runs: reports it starting, creates it, restores workspace and transcript.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Current is not null)
        {
            return;
        }

        var started = _services.Time.GetTimestamp();
        using var activity = RuntimeTelemetry.Source.StartActivity(AgentRuntimeTelemetry.Names.SandboxStartSpan);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SessionId, SessionId);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.TenantId, _host.Record.TenantId);
        string? errorType = null;
        try
        {
            await StartAsync(activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            errorType = ex is OperationCanceledException ? "cancelled" : ex.GetType().Name;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag(AgentRuntimeTelemetry.Tags.ErrorType, errorType);
            throw;
        }
        finally
        {
            var tags = new TagList { { AgentRuntimeTelemetry.Tags.SandboxProvider, (_provider ?? _services.SandboxProvider).Name } };
            if (errorType is not null)
            {
                tags.Add(AgentRuntimeTelemetry.Tags.ErrorType, errorType);
            }

            _services.Telemetry.SandboxStartDuration.Record(_services.Time.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task StartAsync(Activity? activity, CancellationToken cancellationToken)
    {
        await DisposeConnectionAsync().ConfigureAwait(false);
        var record = _host.Record;
        var restartCount = record.SandboxStartCount > 0 ? record.SandboxRestartCount + 1 : 0;
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SandboxRestartCount, restartCount);
        await _host.SandboxStartingAsync(restartCount, cancellationToken).ConfigureAwait(false);

        var profile = await GetProfileAsync(cancellationToken).ConfigureAwait(false);
        _workspaceLimits = (profile.WorkspaceLimits ?? WorkspaceLimits.Default).OrDefaults();
        var layer = await PrepareLayerAsync(profile, cancellationToken).ConfigureAwait(false);
        var provider = _provider = ProviderFor(profile);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SandboxProvider, provider.Name);
        CloseGatewayLease();
        var lease = OpenGatewayLease(profile);
        ISandbox sandbox;
        bool attached;
        try
        {
            var request = new SandboxRequest
            {
                SessionId = SessionId,
                Network = profile.Network,
                Bridge = lease,
                Layer = layer?.SandboxLayer,
                TenantId = record.TenantId,
                Progress = new ProgressReport(_host, _logger, SessionId),
            };
            // A sandbox left running by the previous server (a provider whose sandboxes outlive it) is picked up once,
            // at the first start after a load; later starts follow a sandbox that ended, and make a new one.
            ISandbox? found = null;
            if (!_attachTried && record.SandboxId is { Length: > 0 } previous)
            {
                found = await provider.AttachAsync(previous, request, cancellationToken).ConfigureAwait(false);
            }

            _attachTried = true;
            attached = found is not null;
            sandbox = found ?? await provider.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }

        await _workspaceGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Also into a re-attached sandbox: the stored state is what the log says happened (a turn the restart cut
            // off is handed to the agent again), so what the sandbox holds beyond it is replaced.
            await _workspace.RestoreAsync(sandbox, cancellationToken).ConfigureAwait(false);
            await _transcripts.RestoreAsync(sandbox, cancellationToken).ConfigureAwait(false);
            _lease = lease;
            _layer = layer;
            _sandbox = sandbox;
        }
        catch
        {
            await sandbox.TerminateAsync(CancellationToken.None).ConfigureAwait(false);
            lease?.Dispose();
            throw;
        }
        finally
        {
            _workspaceGate.Release();
        }

        activity?.SetTag(AgentRuntimeTelemetry.Tags.SandboxId, sandbox.Id);
        LogSandboxStarted(SessionId, sandbox.Id, restartCount, attached);
        _ = sandbox.Terminated.ContinueWith(_ => _host.SandboxTerminated(sandbox), TaskScheduler.Default);
        ArmHealthTimer();
        await _host.SandboxStartedAsync(sandbox.Id, attached ? record.SandboxRestartCount : restartCount, attached, cancellationToken).ConfigureAwait(false);
    }

    // Whether this load of the session has looked for its previous sandbox.
    private bool _attachTried;

    // The provider of the sandbox started last (the profile's or the server's default), which telemetry names.
    private ISandboxProvider? _provider;

    /// <summary>The provider the profile names, else the server's default.</summary>
    private ISandboxProvider ProviderFor(AgentProfile profile)
    {
        var name = profile.Sandbox?.Provider ?? _services.Options.SandboxProvider;
        if (name is null || name == _services.SandboxProvider.Name)
        {
            return _services.SandboxProvider;
        }

        return _services.NamedSandboxProviders?.Invoke(name) ?? throw new AgentException(
            $"The sandbox provider '{name}' is not configured on this server (the profile's sandbox.provider, or AgentRuntime:SandboxProvider).",
            "sandbox_provider_not_configured");
    }

    /// <summary>The session's profile as the agent was last connected with it.</summary>
    public AgentProfile? Profile { get; private set; }

    /// <summary>
    /// Connects the agent unless it is running in the current sandbox with the session's model and permission mode; an
    /// agent started with others is stopped and started again, resuming the conversation.
    /// </summary>
    public async Task<IAgentConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var stored = await GetProfileAsync(cancellationToken).ConfigureAwait(false);
        var options = _host.Options;
        var profile = stored with { Model = options.Model ?? stored.Model };
        // The version too: a session moved to another version of its profile restarts its agent with that one.
        var settings = (profile.Model, Mode: options.PermissionMode ?? stored.Permissions?.Mode ?? PermissionMode.Bypass, ProfileVersion: _host.Record.AgentProfileVersion);
        Profile = profile;
        if (_connection is { Exited.IsCompleted: false } alive && settings == _connectedWith)
        {
            return alive;
        }

        await DisposeConnectionAsync().ConfigureAwait(false);
        var sandbox = _sandbox ?? throw new SandboxException("The session's sandbox is gone.");
        var connection = await _architecture.ConnectAsync(new AgentConnectContext
        {
            Sandbox = sandbox,
            Session = _host.Record,
            Profile = profile,
            PermissionMode = settings.Mode,
            Secrets = _services.Secrets?.Resolve(profile) ?? new Dictionary<string, string>(),
            Resume = _transcripts.HasFiles,
            ModelAccess = sandbox.ModelProxyUrl is null ? null : _lease,
            BundledMcpFolders = _layer?.BundledMcpFolders ?? new Dictionary<string, string>(),
        }, cancellationToken).ConfigureAwait(false);
        _connection = connection;
        _connectedWith = settings;
        await NoteProfileFieldsNotAppliedAsync(profile, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    // The profile's dependencies, installed once for every session that needs the same (the first to ask waits for it).
    private async Task<DependencyLayer?> PrepareLayerAsync(AgentProfile profile, CancellationToken cancellationToken)
    {
        if (_services.DependencyLayers is not { } layers)
        {
            return DependencyLayerPlan.For(profile, new DependencyLayerOptions()) is null
                ? null
                : throw new AgentException("The profile has dependencies to install, and this runtime installs none.", "dependency_install_failed");
        }

        if (DependencyLayerPlan.For(profile, layers.Options) is not { } plan)
        {
            return null;
        }

        var layer = await layers.EnsureAsync(plan, cancellationToken).ConfigureAwait(false);
        if (layer.Built is { } took)
        {
            await AppendNoticeAsync(
                "dependencies_installed",
                string.Create(CultureInfo.InvariantCulture, $"Installed the profile's dependencies ({plan.Describe()}) in {took.TotalSeconds:0.0} s."),
                new JsonObject { ["layer"] = layer.Hash, ["seconds"] = Math.Round(took.TotalSeconds, 3) },
                cancellationToken).ConfigureAwait(false);
        }

        return layer;
    }

    // A profile field the architecture cannot apply is said once in the session, never passed over in silence.
    private async Task NoteProfileFieldsNotAppliedAsync(AgentProfile profile, CancellationToken cancellationToken)
    {
        var fields = ProfileFields.Set(profile).Intersect(_architecture.UnsupportedProfileFields, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var message = $"The profile's {string.Join(", ", fields)} {(fields.Count == 1 ? "is" : "are")} not applied: the {_architecture.Name} architecture does not apply {(fields.Count == 1 ? "it" : "them")}.";
        if (fields.Count == 0 || _log.Read(p => p.Blocks.Any(b => b is SystemBlock { Subtype: "profile_not_applied" } notice && notice.Message == message)))
        {
            return;
        }

        await AppendNoticeAsync("profile_not_applied", message, new JsonObject { ["fields"] = new JsonArray([.. fields.Select(f => JsonValue.Create(f))]) }, cancellationToken).ConfigureAwait(false);
    }

    private async Task AppendNoticeAsync(string subtype, string message, JsonObject metadata, CancellationToken cancellationToken)
    {
        var block = new SystemBlock
        {
            Id = $"{subtype.Replace('_', '-')}-{Guid.NewGuid():N}",
            Timestamp = _services.Time.GetUtcNow(),
            Subtype = subtype,
            Message = message,
            Metadata = metadata,
        };
        await _log.AppendAsync(
        [
            new BlockStartEvent { ConversationId = Conversations.Main, Block = block },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block },
        ], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the agent to stop its running turn (see <see cref="IAgentConnection.InterruptAsync"/>).</summary>
    public Task InterruptAsync(CancellationToken cancellationToken) => _connection?.InterruptAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Stores the agent's transcript and the workspace after a turn; never throws, never hangs a stopping session.</summary>
    public async Task PersistAsync()
    {
        if (Current is not { } sandbox)
        {
            return;
        }

        // Persisting must not be cut short by the turn's cancellation, but must not hang a stopping session either.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _transcripts.SaveAsync(sandbox, _architecture.GetTranscriptDirectories(sandbox, _host.Record), timeout.Token).ConfigureAwait(false);
            await SaveWorkspaceAsync(sandbox, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing the sandbox holds (a file swapped for a link, a tree too deep) may keep the turn from ending.
            LogPersistFailed(ex, SessionId);
        }
    }

    /// <summary>
    /// Closes the agent and the sandbox; returns whether there was a sandbox to close. With <paramref name="detach"/>
    /// (the server stops) a sandbox that can outlive the server is left running for the next one to re-attach.
    /// </summary>
    public async Task<bool> CloseAsync(bool detach = false)
    {
        _healthTimer?.Dispose();
        _idleTimer?.Dispose();
        await DisposeConnectionAsync().ConfigureAwait(false);
        if (_sandbox is not { } sandbox)
        {
            return false;
        }

        _sandbox = null;
        using var activity = RuntimeTelemetry.Source.StartActivity(AgentRuntimeTelemetry.Names.SandboxStopSpan);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SessionId, SessionId);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SandboxProvider, (_provider ?? _services.SandboxProvider).Name);
        activity?.SetTag(AgentRuntimeTelemetry.Tags.SandboxId, sandbox.Id);
        if (detach)
        {
            await sandbox.DetachAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await sandbox.TerminateAsync(CancellationToken.None).ConfigureAwait(false);
        }

        CloseGatewayLease();
        LogSandboxClosed(SessionId, sandbox.Id);
        return true;
    }

    /// <summary>Probes the sandbox; null when there is none.</summary>
    public async Task<bool?> CheckHealthAsync()
    {
        if (_sandbox is not { } sandbox)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await sandbox.CheckHealthAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="sandbox"/> is the one held, so its end is news rather than a close already reported.</summary>
    public bool Holds(ISandbox sandbox) => ReferenceEquals(_sandbox, sandbox);

    /// <summary>Arms the idle timer while a sandbox is held; the loop calls it when a turn ends.</summary>
    public void ArmIdleTimer()
    {
        _idleTimer?.Dispose();
        if (_sandbox is null)
        {
            return;
        }

        _idleTimer = _services.Time.CreateTimer(_ => _host.IdleTimerFired(), null, _services.Options.SandboxIdleTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops the idle timer; the loop calls it when a turn starts.</summary>
    public void DisarmIdleTimer() => _idleTimer?.Dispose();

    private void ArmHealthTimer()
    {
        _healthTimer?.Dispose();
        var interval = _services.Options.HealthCheckInterval;
        _healthTimer = _services.Time.CreateTimer(_ => _host.HealthTimerFired(), null, interval, interval);
    }

    // The version the session runs on (the latest for a session made before versions).
    private async Task<AgentProfile> GetProfileAsync(CancellationToken cancellationToken) =>
        (await _services.Store.GetProfileVersionAsync(_host.Record.AgentProfileRef, _host.Record.AgentProfileVersion, cancellationToken).ConfigureAwait(false))?.Profile
            ?? throw new AgentException($"The session's profile '{_host.Record.AgentProfileRef}' no longer exists.", "profile_not_found");

    private async Task DisposeConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} started sandbox {SandboxId} (restart {RestartCount}, re-attached {Attached})")]
    private partial void LogSandboxStarted(string sessionId, string sandboxId, int restartCount, bool attached);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} closed sandbox {SandboxId}")]
    private partial void LogSandboxClosed(string sessionId, string sandboxId);

    /// <summary>Passes a provider's progress to the session (throttled there) and to the log.</summary>
    private sealed partial class ProgressReport(ISessionSandboxHost host, ILogger logger, string sessionId) : IProgress<string>
    {
        public void Report(string value)
        {
            LogProgress(logger, sessionId, value);
            host.SandboxProgress(value);
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} sandbox: {Progress}")]
        private static partial void LogProgress(ILogger logger, string sessionId, string progress);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not persist the state of session {SessionId}")]
    private partial void LogPersistFailed(Exception exception, string sessionId);
}
