using System.Text.RegularExpressions;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;

namespace AgentRuntime.Testing.Modal;

/// <summary>The fake's control plane: apps, images, sandboxes, tokens.</summary>
internal sealed partial class FakeModalControl(FakeModalServer server) : ModalClient.ModalClientBase
{
    public override Task<AuthTokenGetResponse> AuthTokenGet(AuthTokenGetRequest request, ServerCallContext context)
    {
        server.Admit(context, "AuthTokenGet", needsAuthToken: false);
        var token = FakeModalServer.NewJwt(TimeSpan.FromMinutes(30));
        server.AuthTokens[token] = 0;
        return Task.FromResult(new AuthTokenGetResponse { Token = token });
    }

    public override Task<AppGetOrCreateResponse> AppGetOrCreate(AppGetOrCreateRequest request, ServerCallContext context)
    {
        server.Admit(context, "AppGetOrCreate");
        if (request.AppName.Length == 0 || request.ObjectCreationType != ObjectCreationType.CreateIfMissing)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "app name and CREATE_IF_MISSING expected"));
        }

        return Task.FromResult(new AppGetOrCreateResponse { AppId = server.Apps.GetOrAdd(request.AppName, _ => "ap-" + Guid.NewGuid().ToString("N")[..20]) });
    }

    /// <summary>
    /// "Builds" an image: the fake cannot run npm, so an image that installs agent CLIs with <c>npm ci</c> in a directory
    /// is made of that directory's tree as it is installed on this machine (which is what the build would produce), bound
    /// read-only into its sandboxes. A command containing <c>exit 1</c> fails the build, with a log.
    /// </summary>
    public override Task<ImageGetOrCreateResponse> ImageGetOrCreate(ImageGetOrCreateRequest request, ServerCallContext context)
    {
        server.Admit(context, "ImageGetOrCreate");
        var commands = request.Image.DockerfileCommands.ToList();
        if (commands.Count == 0 || !commands[0].StartsWith("FROM ", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "an image starts FROM a base"));
        }

        var key = string.Join('\n', commands);
        var existing = server.Images.Values.FirstOrDefault(i => string.Join('\n', i.Commands) == key);
        if (existing is not null)
        {
            return Task.FromResult(new ImageGetOrCreateResponse { ImageId = existing.Id, Result = Result(existing) });
        }

        var log = new List<string>();
        var paths = new List<string>();
        string? failure = null;
        foreach (var (command, step) in commands.Select((c, i) => (c, i + 1)))
        {
            log.Add($"Step {step}/{commands.Count} : {(command.Length > 120 ? command[..120] + "…" : command)}");
            if (NpmCi().Match(command) is { Success: true } install)
            {
                var modules = Path.Combine(install.Groups[1].Value, "node_modules");
                if (!Directory.Exists(modules))
                {
                    failure = "npm ci failed";
                    log.Add($"npm error: no installed tree at {modules}");
                    break;
                }

                paths.Add(modules);
                log.Add($"added the packages of {install.Groups[1].Value}/package-lock.json");
            }
            else if (command.Contains("exit 1", StringComparison.Ordinal))
            {
                failure = $"The command '{command}' returned a non-zero code: 1";
                log.Add("error: step failed with exit code 1");
                break;
            }
        }

        var image = new FakeImage("im-" + Guid.NewGuid().ToString("N")[..20], commands, paths, failure, log);
        server.Images[image.Id] = image;
        // A new image is not built yet: the client joins its build stream for the log and the result.
        return Task.FromResult(new ImageGetOrCreateResponse { ImageId = image.Id });
    }

    public override async Task ImageJoinStreaming(ImageJoinStreamingRequest request, IServerStreamWriter<ImageJoinStreamingResponse> responseStream, ServerCallContext context)
    {
        server.Admit(context, "ImageJoinStreaming");
        var image = server.Images.GetValueOrDefault(request.ImageId) ?? throw new RpcException(new Status(StatusCode.NotFound, "no such image"));
        var start = int.TryParse(request.LastEntryId, out var last) ? last + 1 : 0;
        for (var i = start; i < image.Log.Count; i++)
        {
            var entry = new ImageJoinStreamingResponse { EntryId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            entry.TaskLogs.Add(new TaskLogs { Data = image.Log[i] + "\n", FileDescriptor = FileDescriptor.Stdout });
            await responseStream.WriteAsync(entry).ConfigureAwait(false);
        }

        await responseStream.WriteAsync(new ImageJoinStreamingResponse { Result = Result(image), Eof = true }).ConfigureAwait(false);
    }

    public override async Task<SandboxCreateResponse> SandboxCreate(SandboxCreateRequest request, ServerCallContext context)
    {
        server.Admit(context, "SandboxCreate");
        if (!server.Apps.Values.Contains(request.AppId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no such app"));
        }

        var image = server.Images.GetValueOrDefault(request.Definition.ImageId) ?? throw new RpcException(new Status(StatusCode.NotFound, "no such image"));
        if (image.Failure is not null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "image build failed"));
        }

        var definition = request.Definition;
        if (definition.TimeoutSecs == 0 || definition.EntrypointArgs.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a timeout and an entrypoint are expected"));
        }

        // A Modal sandbox is a machine of its own; locally it shares the host's network unless blocked.
        var network = definition.NetworkAccess?.NetworkAccessType == NetworkAccess.Types.NetworkAccessType.Blocked
            ? SandboxNetworkPolicy.None
            : SandboxNetworkPolicy.Host;
        var local = await server.Local.CreateAsync(new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = network }, context.CancellationToken).ConfigureAwait(false);
        var id = "sb-" + Guid.NewGuid().ToString("N")[..20];
        var sandbox = new FakeSandbox(id, local, image, request.Tags.ToDictionary(t => t.TagName, t => t.TagValue));
        server.Sandboxes[id] = sandbox;
        await sandbox.StartAsync(definition.EntrypointArgs).ConfigureAwait(false);
        return new SandboxCreateResponse { SandboxId = id };
    }

    public override Task<SandboxGetTaskIdResponse> SandboxGetTaskId(SandboxGetTaskIdRequest request, ServerCallContext context)
    {
        server.Admit(context, "SandboxGetTaskId");
        var sandbox = Find(request.SandboxId);
        return Task.FromResult(sandbox.Ended.IsCompleted
            ? new SandboxGetTaskIdResponse { TaskResult = sandbox.Ended.Result }
            : new SandboxGetTaskIdResponse { TaskId = sandbox.TaskId });
    }

    public override async Task<SandboxWaitResponse> SandboxWait(SandboxWaitRequest request, ServerCallContext context)
    {
        server.Admit(context, "SandboxWait");
        var sandbox = Find(request.SandboxId);
        try
        {
            await sandbox.Ended.WaitAsync(TimeSpan.FromSeconds(Math.Clamp(request.Timeout, 0, 55)), context.CancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new SandboxWaitResponse();
        }

        return new SandboxWaitResponse { Result = sandbox.Ended.Result };
    }

    public override async Task<SandboxTerminateResponse> SandboxTerminate(SandboxTerminateRequest request, ServerCallContext context)
    {
        server.Admit(context, "SandboxTerminate");
        var sandbox = Find(request.SandboxId);
        var existing = sandbox.Ended.IsCompleted ? sandbox.Ended.Result : null;
        await sandbox.EndAsync(FakeSandbox.Ending.Terminated).ConfigureAwait(false);
        return new SandboxTerminateResponse { ExistingResult = existing };
    }

    public override Task<TaskGetCommandRouterAccessResponse> TaskGetCommandRouterAccess(TaskGetCommandRouterAccessRequest request, ServerCallContext context)
    {
        server.Admit(context, "TaskGetCommandRouterAccess");
        var sandbox = server.Sandboxes.Values.FirstOrDefault(s => s.TaskId == request.TaskId) ?? throw new RpcException(new Status(StatusCode.NotFound, "no such task"));
        sandbox.RouterJwt = FakeModalServer.NewJwt(TimeSpan.FromMinutes(10));
        return Task.FromResult(new TaskGetCommandRouterAccessResponse { Url = server.Address.ToString(), Jwt = sandbox.RouterJwt });
    }

    private static GenericResult Result(FakeImage image) => image.Failure is null
        ? new GenericResult { Status = GenericResult.Types.GenericStatus.Success }
        : new GenericResult { Status = GenericResult.Types.GenericStatus.Failure, Exception = image.Failure };

    private FakeSandbox Find(string id) =>
        server.Sandboxes.GetValueOrDefault(id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"Sandbox {id} not found"));

    [GeneratedRegex(@"^RUN cd (/[^ ]+) && npm ci\b")]
    private static partial Regex NpmCi();
}
