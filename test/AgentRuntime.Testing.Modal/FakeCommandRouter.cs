using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;

namespace AgentRuntime.Testing.Modal;

/// <summary>The fake's task command router: execs as real processes in the sandbox's local bubblewrap sandbox.</summary>
internal sealed class FakeCommandRouter(FakeModalServer server) : TaskCommandRouter.TaskCommandRouterBase
{
    public override async Task<TaskExecStartResponse> TaskExecStart(TaskExecStartRequest request, ServerCallContext context)
    {
        var sandbox = server.AdmitRouter(context, "TaskExecStart", request.TaskId);
        if (sandbox.Ended.IsCompleted)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the sandbox has finished"));
        }

        if (request.CommandArgs.Count == 0 || !sandbox.Execs.TryAdd(request.ExecId, null!))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a command and a new exec id are expected"));
        }

        server.Execs.Enqueue(string.Join(' ', request.CommandArgs) + " " + string.Join(' ', request.Env.Select(e => $"{e.Key}={e.Value}")));
        ISandboxProcess process;
        try
        {
            process = await sandbox.Local.StartProcessAsync(new SandboxProcessSpec
            {
                Command = request.CommandArgs[0],
                Arguments = request.CommandArgs.Skip(1).ToList(),
                Environment = request.Env.ToDictionary(),
                WorkingDirectory = request.HasWorkdir ? request.Workdir : null,
                ReadOnlyPaths = sandbox.Image.ReadOnlyPaths,
            }, context.CancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException ex)
        {
            sandbox.Execs.TryRemove(request.ExecId, out _);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }

        sandbox.Execs[request.ExecId] = new FakeExec(process);
        return new TaskExecStartResponse();
    }

    public override async Task<TaskExecStdinWriteResponse> TaskExecStdinWrite(TaskExecStdinWriteRequest request, ServerCallContext context)
    {
        var exec = Exec(context, "TaskExecStdinWrite", request.TaskId, request.ExecId);
        if (!await exec.WriteStdinAsync(request.Offset, request.Data.Memory, request.Eof).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, "stdin offset past what was written"));
        }

        return new TaskExecStdinWriteResponse();
    }

    public override async Task TaskExecStdioRead(TaskExecStdioReadRequest request, IServerStreamWriter<TaskExecStdioReadResponse> responseStream, ServerCallContext context)
    {
        var exec = Exec(context, "TaskExecStdioRead", request.TaskId, request.ExecId);
        var output = request.FileDescriptor == TaskExecStdioFileDescriptor.Stderr ? exec.Stderr : exec.Stdout;
        var offset = request.Offset;
        while (true)
        {
            var (data, complete, changed) = output.Read(offset);
            if (data.Length > 0)
            {
                await responseStream.WriteAsync(new TaskExecStdioReadResponse { Data = Google.Protobuf.ByteString.CopyFrom(data) }, context.CancellationToken).ConfigureAwait(false);
                offset += (ulong)data.Length;
                continue;
            }

            if (complete)
            {
                return;
            }

            await changed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<TaskExecWaitResponse> TaskExecWait(TaskExecWaitRequest request, ServerCallContext context)
    {
        var exec = Exec(context, "TaskExecWait", request.TaskId, request.ExecId);
        var code = await exec.Exited.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        return code > 128 ? new TaskExecWaitResponse { Signal = code - 128 } : new TaskExecWaitResponse { Code = code };
    }

    public override Task<TaskExecPollResponse> TaskExecPoll(TaskExecPollRequest request, ServerCallContext context)
    {
        var exec = Exec(context, "TaskExecPoll", request.TaskId, request.ExecId);
        return Task.FromResult(exec.Exited.IsCompleted ? new TaskExecPollResponse { Code = exec.Exited.Result } : new TaskExecPollResponse());
    }

    private FakeExec Exec(ServerCallContext context, string rpc, string taskId, string execId)
    {
        var sandbox = server.AdmitRouter(context, rpc, taskId);
        return sandbox.Execs.TryGetValue(execId, out var exec) && exec is not null
            ? exec
            : throw new RpcException(new Status(StatusCode.NotFound, $"exec {execId} not found"));
    }
}
