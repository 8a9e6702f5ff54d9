using AgentRuntime.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>Makes a <see cref="LocalSandbox"/> per session under the configured root directory.</summary>
internal sealed partial class LocalSandboxProvider : ISandboxProvider
{
    private readonly LocalSandboxOptions _options;
    private readonly IOptions<AgentRuntimeOptions> _runtimeOptions;
    private readonly ILogger<LocalSandboxProvider> _logger;
    private int _nextUser;

    public LocalSandboxProvider(IOptions<LocalSandboxOptions> options, IOptions<AgentRuntimeOptions> runtimeOptions, ILogger<LocalSandboxProvider> logger)
    {
        _options = options.Value;
        _runtimeOptions = runtimeOptions;
        _logger = logger;
        _nextUser = Random.Shared.Next(_options.UserIdCount);
        if (_options.Isolation == SandboxIsolation.None)
        {
            LogNoIsolation();
        }
    }

    public string Name => "local";

    public SandboxEnforcement Enforcement { get; } = new() { Isolation = true };

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
            }
        }

        var root = _options.RootDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(_runtimeOptions.Value.GetFullDataDirectory(), "sandboxes");
        var sandbox = new LocalSandbox($"local-{request.SessionId[..8]}-{Guid.NewGuid().ToString("N")[..8]}", Path.Combine(root, request.SessionId), _options, bubblewrap, hostUserId, request.Network);
        sandbox.Create();
        return Task.FromResult<ISandbox>(sandbox);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentRuntime:LocalSandbox:Isolation is None: agents run on this host WITHOUT isolation, with the server's user. Use this for development only.")]
    private partial void LogNoIsolation();
}
