using System.Runtime.CompilerServices;
using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// The task command router of one sandbox: where its processes are started and their standard streams and exits read,
/// as the SDKs do it. Modal hands out its URL and a JWT (<c>TaskGetCommandRouterAccess</c>); the JWT is fetched again
/// when the router says it expired.
/// </summary>
internal sealed class CommandRouter : IDisposable
{
    private static readonly TimeSpan WaitCallTimeout = TimeSpan.FromSeconds(55);

    private readonly ModalApi _api;
    private readonly GrpcChannel _channel;
    private readonly TaskCommandRouter.TaskCommandRouterClient _client;
    private string _jwt;

    private CommandRouter(ModalApi api, string taskId, Uri url, string jwt)
    {
        _api = api;
        TaskId = taskId;
        Url = url;
        _jwt = jwt;
        _channel = ModalApi.CreateChannel(url);
        _client = new TaskCommandRouter.TaskCommandRouterClient(_channel);
    }

    public string TaskId { get; }

    public Uri Url { get; }

    public static async Task<CommandRouter> ConnectAsync(ModalApi api, string taskId, CancellationToken cancellationToken)
    {
        var access = await GetAccessAsync(api, taskId, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(access.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && api.Cleartext)))
        {
            // The router carries the agent's stdio: never in clear text unless the control plane is a local one.
            throw new SandboxException($"Modal's task command router URL '{access.Url}' is not https.");
        }

        return new CommandRouter(api, taskId, url, access.Jwt);
    }

    public Task StartAsync(TaskExecStartRequest request, CancellationToken cancellationToken) =>
        CallAsync("TaskExecStart", (h, t) => _client.TaskExecStartAsync(request, h, cancellationToken: t).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Writes stdin at an offset; the offset makes a repeated write harmless, so it is retried.</summary>
    public Task WriteStdinAsync(string execId, ulong offset, ReadOnlyMemory<byte> data, bool eof, CancellationToken cancellationToken)
    {
        var request = new TaskExecStdinWriteRequest
        {
            TaskId = TaskId,
            ExecId = execId,
            Offset = offset,
            Data = Google.Protobuf.ByteString.CopyFrom(data.Span),
            Eof = eof,
        };
        return CallAsync("TaskExecStdinWrite", (h, t) => _client.TaskExecStdinWriteAsync(request, h, cancellationToken: t).ResponseAsync, idempotent: true, cancellationToken);
    }

    /// <summary>Streams stdout or stderr from its start; a broken stream is resumed at the offset read so far.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string execId, TaskExecStdioFileDescriptor descriptor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ulong offset = 0;
        var failures = 0;
        var refreshed = false;
        while (true)
        {
            using var call = _client.TaskExecStdioRead(
                new TaskExecStdioReadRequest { TaskId = TaskId, ExecId = execId, Offset = offset, FileDescriptor = descriptor },
                Headers(), cancellationToken: cancellationToken);
            var stream = call.ResponseStream;
            while (true)
            {
                bool more;
                RpcException? failure = null;
                try
                {
                    more = await stream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    more = false;
                    failure = ex;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
                {
                    throw new OperationCanceledException(ex.Message, ex, cancellationToken);
                }

                if (failure is not null)
                {
                    if (failure.StatusCode == StatusCode.Unauthenticated && !refreshed)
                    {
                        refreshed = true;
                        await RefreshAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    }

                    if (ModalErrors.IsTransient(failure) && ++failures <= 10)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50 * Math.Pow(2, failures)), cancellationToken).ConfigureAwait(false);
                        break;
                    }

                    throw ModalErrors.From(failure, "TaskExecStdioRead");
                }

                if (!more)
                {
                    yield break;
                }

                failures = 0;
                refreshed = false;
                var data = stream.Current.Data.Memory;
                offset += (ulong)data.Length;
                yield return data;
            }
        }
    }

    /// <summary>Waits for a process to exit: its exit code, or 128 + the signal that ended it.</summary>
    public async Task<int> WaitAsync(string execId, CancellationToken cancellationToken)
    {
        var request = new TaskExecWaitRequest { TaskId = TaskId, ExecId = execId };
        while (true)
        {
            try
            {
                var response = await CallAsync(
                    "TaskExecWait",
                    (h, t) => _client.TaskExecWaitAsync(request, h, deadline: DateTime.UtcNow + WaitCallTimeout, cancellationToken: t).ResponseAsync,
                    idempotent: false,
                    cancellationToken).ConfigureAwait(false);
                return response.ExitStatusCase == TaskExecWaitResponse.ExitStatusOneofCase.Signal ? 128 + response.Signal : response.Code;
            }
            catch (SandboxException ex) when (ex.InnerException is RpcException rpc && ModalErrors.IsTransient(rpc) && !cancellationToken.IsCancellationRequested)
            {
                // A long wait ends with DEADLINE_EXCEEDED by design, and the router may be briefly away: wait again.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _channel.Dispose();

    private static Task<TaskGetCommandRouterAccessResponse> GetAccessAsync(ModalApi api, string taskId, CancellationToken cancellationToken) =>
        api.CallAsync(
            "TaskGetCommandRouterAccess",
            (h, t) => api.Control.TaskGetCommandRouterAccessAsync(new TaskGetCommandRouterAccessRequest { TaskId = taskId }, h, cancellationToken: t).ResponseAsync,
            cancellationToken);

    private Metadata Headers() => new() { { "authorization", "Bearer " + Volatile.Read(ref _jwt) } };

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var access = await GetAccessAsync(_api, TaskId, cancellationToken).ConfigureAwait(false);
        if (access.Url != Url.OriginalString && new Uri(access.Url) != Url)
        {
            throw new SandboxException("Modal's task command router moved during the session.");
        }

        Volatile.Write(ref _jwt, access.Jwt);
    }

    private async Task<T> CallAsync<T>(string rpc, Func<Metadata, CancellationToken, Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        async ValueTask<T> Once(CancellationToken token)
        {
            try
            {
                return await call(Headers(), token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                // The router's JWT is short-lived: fetch a new one and try once more.
                await RefreshAsync(token).ConfigureAwait(false);
                return await call(Headers(), token).ConfigureAwait(false);
            }
        }

        try
        {
            return idempotent
                ? await _api.Retry.ExecuteAsync(Once, cancellationToken).ConfigureAwait(false)
                : await Once(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ModalErrors.From(ex, rpc);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
    }
}
