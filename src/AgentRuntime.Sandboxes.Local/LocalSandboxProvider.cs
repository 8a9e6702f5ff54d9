using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes.Local.Linux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>Makes a <see cref="LocalSandbox"/> per session under the configured root directory.</summary>
internal sealed partial class LocalSandboxProvider : ISandboxProvider
{
    private readonly LocalSandboxOptions _options;
    private readonly IOptions<AgentRuntimeOptions> _runtimeOptions;
    private readonly ILogger<LocalSandboxProvider> _logger;
    private readonly ResourcePlan _plan;
    private int _nextUser;

    public LocalSandboxProvider(IOptions<LocalSandboxOptions> options, IOptions<AgentRuntimeOptions> runtimeOptions, ILogger<LocalSandboxProvider> logger)
    {
        _options = options.Value;
        _runtimeOptions = runtimeOptions;
        _logger = logger;
        _nextUser = Random.Shared.Next(_options.UserIdCount);
        (_plan, Enforcement) = Plan(_options);
        if (_options.Isolation == SandboxIsolation.None)
        {
            LogNoIsolation();
        }

        foreach (var note in Enforcement.Notes)
        {
            LogNotEnforced(note);
        }

        if (_plan.Cgroups)
        {
            SandboxCgroup.RemoveLeftovers();
        }

        RemoveLeftoverSandboxes();
    }

    public string Name => "local";

    public SandboxEnforcement Enforcement { get; }

    public Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Guid.TryParse(request.SessionId, out _))
        {
            // The id becomes a directory name; only GUIDs are certain to be a safe one.
            throw new ArgumentException($"Session id '{request.SessionId}' is not a GUID.", nameof(request));
        }

        string? bubblewrap = null;
        int? hostUserId = null;
        if (_options.Isolation == SandboxIsolation.Bubblewrap)
        {
            bubblewrap = Bubblewrap.Locate(_options.BubblewrapPath) ?? throw new SandboxException(
                $"bubblewrap ('{_options.BubblewrapPath}') is not installed, so sessions cannot run isolated. Install it (Debian: apt-get install bubblewrap), " +
                "or set AgentRuntime:LocalSandbox:Isolation=None for development only.");
            if (Environment.IsPrivilegedProcess)
            {
                hostUserId = _options.FirstUserId + (int)((uint)Interlocked.Increment(ref _nextUser) % (uint)_options.UserIdCount);
                Directory.CreateDirectory(Path.Combine(_options.RuntimeDirectory, "stage"));
            }
        }

        if (request.Network.UsesBridge && !_plan.NetworkNamespaces)
        {
            LogSharedNetwork(request.SessionId, request.Network.ToString());
        }

        var id = $"local-{request.SessionId[..8]}-{Guid.NewGuid().ToString("N")[..8]}";
        var sandbox = new LocalSandbox(id, Path.Combine(SandboxesDirectory, request.SessionId), _options, bubblewrap, hostUserId, _plan, request);
        try
        {
            sandbox.Create();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            sandbox.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new SandboxException($"Could not create the sandbox: {ex.Message}", ex);
        }
        catch (SandboxException)
        {
            sandbox.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return Task.FromResult<ISandbox>(sandbox);
    }

    private string SandboxesDirectory => _options.RootDirectory is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(_runtimeOptions.Value.GetFullDataDirectory(), "sandboxes");

    /// <summary>
    /// Sandboxes do not outlive their server; a server that was killed leaves their directories (and, as root, the
    /// tmpfs mounted on each), which the runtime restores from persistence anyway.
    /// </summary>
    private void RemoveLeftoverSandboxes()
    {
        if (!Directory.Exists(SandboxesDirectory))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(SandboxesDirectory))
        {
            try
            {
                SandboxResources.RemoveLeftovers(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogLeftoverNotRemoved(Path.GetFileName(directory), ex.Message);
            }
        }
    }

    /// <summary>What this machine lets the provider enforce: namespaces, cgroups and mounts all need root.</summary>
    private static (ResourcePlan Plan, SandboxEnforcement Enforcement) Plan(LocalSandboxOptions options)
    {
        var notes = new List<string>();
        var isolated = options.Isolation == SandboxIsolation.Bubblewrap;
        var root = Environment.IsPrivilegedProcess;
        if (!isolated)
        {
            notes.Add("Isolation is None: agents run on the host as the server's user, with its network.");
        }
        else if (!root)
        {
            notes.Add("The server is not root: sandboxes share the host's network (model-only and allowlists are not enforced), and have no memory limit as a whole and no disk quota.");
        }

        var cgroups = isolated && root && SandboxCgroup.Unavailable() is null;
        if (isolated && root && SandboxCgroup.Unavailable() is { } why)
        {
            notes.Add($"No memory or process limit per sandbox: {why}.");
        }

        var plan = new ResourcePlan
        {
            DiskQuota = isolated && root && options.Limits.DiskBytes > 0,
            DiskBytes = options.Limits.DiskBytes,
            DiskFiles = options.Limits.DiskFiles,
            Cgroups = cgroups,
            MemoryBytes = options.Limits.SandboxMemoryBytes,
            Processes = options.Limits.SandboxProcesses,
            NetworkNamespaces = isolated && root,
        };
        var enforcement = new SandboxEnforcement
        {
            Isolation = isolated,
            NetworkIsolation = plan.NetworkNamespaces,
            MemoryLimit = cgroups && options.Limits.SandboxMemoryBytes > 0,
            ProcessLimit = cgroups && options.Limits.SandboxProcesses > 0,
            DiskQuota = plan.DiskQuota,
            Notes = notes,
        };
        return (plan, enforcement);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentRuntime:LocalSandbox:Isolation is None: agents run on this host WITHOUT isolation, with the server's user. Use this for development only.")]
    private partial void LogNoIsolation();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the leftover sandbox directory of session {SessionId}: {Reason}")]
    private partial void LogLeftoverNotRemoved(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local sandboxes: not enforced on this machine: {Note}")]
    private partial void LogNotEnforced(string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} asked for network {Network}, which needs a network namespace of its own (root); its sandbox shares the host's network")]
    private partial void LogSharedNetwork(string sessionId, string network);
}
