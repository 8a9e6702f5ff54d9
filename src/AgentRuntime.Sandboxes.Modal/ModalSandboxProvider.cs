using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// Makes each session's sandbox a Modal sandbox: gets or creates the app, builds (or finds) the image, creates the
/// sandbox, waits for its task and opens its command router. A sandbox outlives the server; its id is kept in the
/// session's record, and <see cref="AttachAsync"/> picks it up again after a restart.
/// </summary>
internal sealed partial class ModalSandboxProvider : ISandboxProvider, IDisposable
{
    /// <summary>The name profiles and configuration select the provider by.</summary>
    public const string ProviderName = "modal";

    private const string ImageBuilderVersion = "2024.10";

    private readonly ModalSandboxOptions _options;
    private readonly IOptions<AgentRuntimeOptions> _runtimeOptions;
    private readonly ModelRelay _relay;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly ModalApi _api;
    private readonly SemaphoreSlim _appLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _images = new(StringComparer.Ordinal);
    private string? _appId;

    public ModalSandboxProvider(IOptions<ModalSandboxOptions> options, IOptions<AgentRuntimeOptions> runtimeOptions, ModelRelay relay, IServiceProvider services, TimeProvider time, ILogger<ModalSandboxProvider> logger)
    {
        _options = options.Value;
        _runtimeOptions = runtimeOptions;
        _relay = relay;
        _services = services;
        _logger = logger;
        _api = new ModalApi(_options, time, logger);
    }

    public string Name => ProviderName;

    public SandboxEnforcement Enforcement { get; } = new()
    {
        Isolation = true,
        NetworkIsolation = false,
        MemoryLimit = true,
        ProcessLimit = false,
        DiskQuota = false,
        Notes =
        [
            "Modal sandboxes run on Modal (gVisor), with the configured CPU and memory; a model-only network allows only the runtime's public address, host allowlists are not enforced (the network is open), and there is no process limit or disk quota of the runtime's own.",
        ],
    };

    // A dependency layer is a directory of this machine's; a Modal sandbox would need it built into its image.
    private static void RefuseLayer(SandboxRequest request)
    {
        if (request.Layer is not null)
        {
            throw new SandboxException(
                "Modal sandboxes do not take a profile's installed dependencies (npmDependencies, pipDependencies, bundled MCP install commands) yet; use the local provider for this profile.",
                code: "sandbox_layer_unsupported");
        }
    }

    public async Task<ISandbox> CreateAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        RefuseLayer(request);
        var appId = await GetAppIdAsync(cancellationToken).ConfigureAwait(false);
        var imageId = await GetImageIdAsync(appId, request.Progress, cancellationToken).ConfigureAwait(false);
        var definition = new Protocol.Sandbox
        {
            ImageId = imageId,
            Workdir = ModalSandbox.Workspace,
            TimeoutSecs = (uint)_options.Timeout.TotalSeconds,
            IdleTimeoutSecs = (uint)_options.IdleTimeout.TotalSeconds,
            Resources = new Resources { MilliCpu = (uint)(_options.Cpu * 1000), MemoryMb = (uint)_options.MemoryMiB },
            NetworkAccess = await NetworkAccessAsync(request.Network, cancellationToken).ConfigureAwait(false),
        };
        // Its main process only keeps it alive; the agent runs as an exec, so it can be restarted in the same sandbox.
        definition.EntrypointArgs.AddRange(["sleep", "infinity"]);
        var create = new SandboxCreateRequest { AppId = appId, Definition = definition };
        create.Tags.Add(new SandboxTag { TagName = "agent-runtime.session", TagValue = request.SessionId });
        create.Tags.Add(new SandboxTag { TagName = "agent-runtime.tenant", TagValue = request.TenantId ?? "" });

        // Never retried: a retry after a lost answer could start a second sandbox.
        var created = await _api.CallOnceAsync("SandboxCreate", (h, t) => _api.Control.SandboxCreateAsync(create, h, cancellationToken: t).ResponseAsync, cancellationToken).ConfigureAwait(false);
        LogCreated(request.SessionId, created.SandboxId);
        try
        {
            return await OpenAsync(created.SandboxId, request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await TerminateQuietlyAsync(created.SandboxId).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<ISandbox?> AttachAsync(string sandboxId, SandboxRequest request, CancellationToken cancellationToken)
    {
        RefuseLayer(request);
        if (!sandboxId.StartsWith("sb-", StringComparison.Ordinal))
        {
            return null; // Another provider's.
        }

        try
        {
            var state = await _api.CallAsync(
                "SandboxWait",
                (h, t) => _api.Control.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 0 }, h, cancellationToken: t).ResponseAsync,
                cancellationToken).ConfigureAwait(false);
            if (state.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified } result)
            {
                LogGone(request.SessionId, sandboxId, result.Status.ToString());
                return null;
            }

            var sandbox = await OpenAsync(sandboxId, request, cancellationToken).ConfigureAwait(false);
            LogAttached(request.SessionId, sandboxId);
            return sandbox;
        }
        catch (SandboxException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            LogGone(request.SessionId, sandboxId, "not found");
            return null;
        }
    }

    public void Dispose()
    {
        _api.Dispose();
        _appLock.Dispose();
    }

    private async Task<ISandbox> OpenAsync(string sandboxId, SandboxRequest request, CancellationToken cancellationToken)
    {
        var taskId = await GetTaskIdAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        var router = await CommandRouter.ConnectAsync(_api, taskId, cancellationToken).ConfigureAwait(false);
        var relay = request.Bridge is { } bridge && request.Network.Mode != SandboxNetworkMode.None ? _relay.Register(bridge, PublicUrl()) : null;
        return new ModalSandbox(sandboxId, _api, router, relay);
    }

    /// <summary>Waits for the sandbox's task (it is scheduled, its image pulled, its entrypoint started).</summary>
    private async Task<string> GetTaskIdAsync(string sandboxId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        try
        {
            while (true)
            {
                var response = await _api.CallAsync(
                    "SandboxGetTaskId",
                    (h, t) => _api.Control.SandboxGetTaskIdAsync(new SandboxGetTaskIdRequest { SandboxId = sandboxId, Timeout = 10, WaitUntilReady = true }, h, cancellationToken: t).ResponseAsync,
                    timeout.Token).ConfigureAwait(false);
                if (response.TaskResult is { } result)
                {
                    throw new SandboxException($"Modal sandbox {sandboxId} ended before it was ready: {result.Status} {result.Exception}".TrimEnd());
                }

                if (response.HasTaskId && response.TaskId.Length > 0)
                {
                    return response.TaskId;
                }

                // Not scheduled yet (the call waits up to its timeout, but need not): ask again shortly, as the SDKs do.
                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SandboxException($"Modal sandbox {sandboxId} did not start within {_options.StartTimeout} (AgentRuntime:Modal:StartTimeout).");
        }
    }

    private async Task<string> GetAppIdAsync(CancellationToken cancellationToken)
    {
        if (_appId is { } known)
        {
            return known;
        }

        await _appLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var request = new AppGetOrCreateRequest
            {
                AppName = _options.AppName,
                EnvironmentName = _options.Environment,
                ObjectCreationType = ObjectCreationType.CreateIfMissing,
            };
            _appId ??= (await _api.CallAsync("AppGetOrCreate", (h, t) => _api.Control.AppGetOrCreateAsync(request, h, cancellationToken: t).ResponseAsync, cancellationToken).ConfigureAwait(false)).AppId;
            return _appId;
        }
        finally
        {
            _appLock.Release();
        }
    }

    /// <summary>Gets the image for the current definition, building it once per definition hash while this server runs.</summary>
    private async Task<string> GetImageIdAsync(string appId, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var image = ModalImage.Define(_options);
        var build = _images.GetOrAdd(image.Hash, _ => new Lazy<Task<string>>(() => BuildImageAsync(appId, image, progress)));
        try
        {
            return await build.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            _images.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(image.Hash, build));
            throw;
        }
    }

    private async Task<string> BuildImageAsync(string appId, ModalImage image, IProgress<string>? progress)
    {
        using var timeout = new CancellationTokenSource(_options.ImageBuildTimeout);
        var request = new ImageGetOrCreateRequest { AppId = appId, BuilderVersion = ImageBuilderVersion, Image = new Image() };
        request.Image.DockerfileCommands.AddRange(image.DockerfileCommands);
        var response = await _api.CallAsync("ImageGetOrCreate", (h, t) => _api.Control.ImageGetOrCreateAsync(request, h, cancellationToken: t).ResponseAsync, timeout.Token).ConfigureAwait(false);
        var result = response.Result;
        var tail = new Queue<string>();
        var lastEntry = "";
        if (result is null || result.Status == GenericResult.Types.GenericStatus.Unspecified)
        {
            LogBuilding(response.ImageId, image.Hash);
            progress?.Report($"Building the sandbox image {response.ImageId}");
        }

        while (result is null || result.Status == GenericResult.Types.GenericStatus.Unspecified)
        {
            // The build's log streams until it ends; a stream cut short is joined again after the last entry seen.
            var headers = await _api.HeadersAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                using var call = _api.Control.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = response.ImageId, Timeout = 55, LastEntryId = lastEntry }, headers, cancellationToken: timeout.Token);
                while (await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
                {
                    var item = call.ResponseStream.Current;
                    lastEntry = item.EntryId is { Length: > 0 } entry ? entry : lastEntry;
                    foreach (var log in item.TaskLogs.Where(l => l.Data.Length > 0))
                    {
                        foreach (var line in log.Data.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        {
                            progress?.Report(line);
                            tail.Enqueue(line);
                            if (tail.Count > 20)
                            {
                                tail.Dequeue();
                            }
                        }
                    }

                    if (item.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified } done)
                    {
                        result = done;
                        break;
                    }
                }
            }
            catch (RpcException ex) when (ModalErrors.IsTransient(ex) && !timeout.IsCancellationRequested)
            {
                await Task.Delay(_options.RetryDelay, timeout.Token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (!timeout.IsCancellationRequested)
            {
                throw ModalErrors.From(ex, "ImageJoinStreaming");
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException && timeout.IsCancellationRequested)
            {
                throw new SandboxException($"The sandbox image {response.ImageId} was not built within {_options.ImageBuildTimeout} (AgentRuntime:Modal:ImageBuildTimeout).", code: ModalErrors.ImageBuildCode);
            }
        }

        if (result.Status != GenericResult.Types.GenericStatus.Success)
        {
            var log = new StringBuilder($"The sandbox image {response.ImageId} could not be built ({result.Status}): {result.Exception}".TrimEnd());
            if (tail.Count > 0)
            {
                log.Append("\nLast lines of its build log:\n").AppendJoin('\n', tail);
            }

            throw new SandboxException(log.ToString(), code: ModalErrors.ImageBuildCode);
        }

        LogImageReady(response.ImageId, image.Hash);
        return response.ImageId;
    }

    private async Task<NetworkAccess> NetworkAccessAsync(SandboxNetworkPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.Mode == SandboxNetworkMode.None)
        {
            return new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Blocked };
        }

        if (policy.Mode == SandboxNetworkMode.ModelOnly && _runtimeOptions.Value.PublicUrl is { } publicUrl)
        {
            // Only the runtime's public address: the model proxy. Modal allows by address, so the name is resolved now.
            var access = new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Allowlist };
            var addresses = IPAddress.TryParse(publicUrl.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(publicUrl.DnsSafeHost, cancellationToken).ConfigureAwait(false);
            access.AllowedCidrs.AddRange(addresses.Select(a => $"{a}/{(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}"));
            return access;
        }

        return new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Open };
    }

    /// <summary>Where a sandbox reaches the runtime: <c>AgentRuntime:PublicUrl</c>, else the server's own first address.</summary>
    private Uri PublicUrl()
    {
        if (_runtimeOptions.Value.PublicUrl is { } configured)
        {
            return configured;
        }

        var address = _services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new SandboxException("AgentRuntime:PublicUrl is not set and the server has no address: a Modal sandbox cannot reach the model proxy.");
        return new Uri(address.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
    }

    private async Task TerminateQuietlyAsync(string sandboxId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _api.CallAsync("SandboxTerminate", (h, t) => _api.Control.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sandboxId }, h, cancellationToken: t).ResponseAsync, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxException or OperationCanceledException)
        {
            LogTerminateFailed(sandboxId, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: created Modal sandbox {SandboxId}")]
    private partial void LogCreated(string sessionId, string sandboxId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: re-attached to Modal sandbox {SandboxId}")]
    private partial void LogAttached(string sessionId, string sandboxId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: Modal sandbox {SandboxId} is gone ({Reason}); a new one is made")]
    private partial void LogGone(string sessionId, string sandboxId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Building Modal image {ImageId} (definition {Hash})")]
    private partial void LogBuilding(string imageId, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Modal image {ImageId} is ready (definition {Hash})")]
    private partial void LogImageReady(string imageId, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not terminate Modal sandbox {SandboxId}: {Reason}")]
    private partial void LogTerminateFailed(string sandboxId, string reason);
}
