using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// A session's Modal sandbox: processes are execs on its command router, files are read and written by small
/// commands inside it (see <c>ModalSandbox.Files.cs</c>), and its end is watched with <c>SandboxWait</c>.
/// </summary>
internal sealed partial class ModalSandbox : ISandbox
{
    public const string Workspace = "/workspace";
    public const string Home = "/home/agent";
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly ModalApi _api;
    private readonly CommandRouter _router;
    private readonly ModelRelay.Registration? _relay;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watching = new();
    private int _released;

    public ModalSandbox(string id, ModalApi api, CommandRouter router, ModelRelay.Registration? relay)
    {
        Id = id;
        _api = api;
        _router = router;
        _relay = relay;
        _ = WatchAsync();
    }

    public string Id { get; }

    public string WorkspacePath => Workspace;

    public string HomePath => Home;

    public Uri? ModelProxyUrl => _relay?.Url;

    /// <summary>Modal's own network rules apply; there is no egress proxy in a Modal sandbox.</summary>
    public Uri? EgressProxyUrl => null;

    public Task Terminated => _terminated.Task;

    public async Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfTerminated();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = DefaultPath,
            ["HOME"] = Home,
            ["LANG"] = "C.UTF-8",
            ["TERM"] = "dumb",
            ["TMPDIR"] = "/tmp",
            ["USER"] = "agent",
        };
        foreach (var (name, value) in spec.Environment)
        {
            environment[name] = value;
        }

        var execId = Guid.NewGuid().ToString();
        var request = new TaskExecStartRequest
        {
            TaskId = _router.TaskId,
            ExecId = execId,
            StdoutConfig = TaskExecStdoutConfig.Pipe,
            StderrConfig = TaskExecStderrConfig.Pipe,
            Workdir = spec.WorkingDirectory ?? Workspace,
        };
        // env -i: the process gets exactly this environment, not the image's, as a local sandbox process does.
        request.CommandArgs.Add("env");
        request.CommandArgs.Add("-i");
        request.CommandArgs.AddRange(environment.Select(e => $"{e.Key}={e.Value}"));
        request.CommandArgs.Add(spec.Command);
        request.CommandArgs.AddRange(spec.Arguments);
        await _router.StartAsync(request, cancellationToken).ConfigureAwait(false);
        return new ModalProcess(_router, execId);
    }

    public async Task<bool> CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (_terminated.Task.IsCompleted)
        {
            return false;
        }

        var response = await _api.CallAsync(
            "SandboxWait",
            (h, t) => _api.Control.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = Id, Timeout = 0 }, h, cancellationToken: t).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.Result is null || response.Result.Status == GenericResult.Types.GenericStatus.Unspecified;
    }

    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            await _api.CallAsync(
                "SandboxTerminate",
                (h, t) => _api.Control.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = Id }, h, cancellationToken: t).ResponseAsync,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Lets go of the sandbox without stopping it: it keeps running on Modal, and a restarted server re-attaches.</summary>
    public Task DetachAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Release();
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(TerminateAsync(CancellationToken.None));

    private void Release()
    {
        _watching.Cancel();
        _relay?.Dispose();
        _router.Dispose();
        _terminated.TrySetResult();
    }

    /// <summary>Waits on Modal for the sandbox's end (its timeout, an idle timeout, a terminate from elsewhere).</summary>
    private async Task WatchAsync()
    {
        var token = _watching.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var response = await _api.CallAsync(
                    "SandboxWait",
                    (h, t) => _api.Control.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = Id, Timeout = 50 }, h, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: t).ResponseAsync,
                    token).ConfigureAwait(false);
                if (response.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified })
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (SandboxException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.NotFound })
            {
                break;
            }
            catch (SandboxException)
            {
                // Modal unreachable for a while: keep watching; health checks report what the session needs to know.
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        if (!token.IsCancellationRequested && Interlocked.Exchange(ref _released, 1) == 0)
        {
            Release();
        }
    }

    private void ThrowIfTerminated()
    {
        if (_terminated.Task.IsCompleted)
        {
            throw new SandboxException($"Sandbox {Id} is terminated.");
        }
    }
}
