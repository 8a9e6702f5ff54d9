using AgentRuntime.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>Makes a <see cref="LocalSandbox"/> per session under the configured root directory.</summary>
internal sealed class LocalSandboxProvider(IOptions<LocalSandboxOptions> options, IOptions<AgentRuntimeOptions> runtimeOptions) : ISandboxProvider
{
    public string Name => "local";

    public Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Guid.TryParse(request.SessionId, out _))
        {
            // The id becomes a directory name; only GUIDs are certain to be a safe one.
            throw new ArgumentException($"Session id '{request.SessionId}' is not a GUID.", nameof(request));
        }

        var root = options.Value.RootDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(runtimeOptions.Value.GetFullDataDirectory(), "sandboxes");
        var sandbox = new LocalSandbox($"local-{request.SessionId}", Path.Combine(root, request.SessionId));
        sandbox.Create();
        return Task.FromResult<ISandbox>(sandbox);
    }
}
