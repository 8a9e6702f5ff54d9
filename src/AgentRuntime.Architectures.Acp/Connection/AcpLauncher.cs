using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Architectures.Acp.Rpc;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Connection;

/// <summary>
/// Starts an ACP agent in a sandbox and opens its session: the process, <c>initialize</c>, <c>authenticate</c> when
/// asked to, then <c>session/load</c> of an earlier session or <c>session/new</c>. Shared by the generic <c>acp</c>
/// architecture and the agent-specific ones, which only say how to start their agent.
/// </summary>
internal static partial class AcpLauncher
{
    // After session/load the agent replays the conversation as updates, and some (the Gemini CLI) go on replaying after
    // answering. The runtime has those blocks already: they are read and dropped until the agent has been quiet this
    // long, within the bound below.
    private static readonly TimeSpan ReplayQuiet = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan ReplayBound = TimeSpan.FromSeconds(5);

    public static async Task<AcpConnection> StartAsync(AcpLaunch launch, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ISandboxProcess started;
        try
        {
            started = await launch.Sandbox.StartProcessAsync(launch.Process, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException ex)
        {
            throw new AgentException($"{launch.AgentName} could not be started ({launch.Process.Command}): {ex.Message}", "cli_not_found", ex);
        }

        var process = new AcpProcess(started, launch.AgentName, launch.SessionId, logger);
        var client = new AcpClient(
            process.StandardOutput,
            process.StandardInput,
            launch.PermissionMode == Approvals.PermissionMode.Bypass ? new AcpPermissionPolicy(launch.AllowedTools, launch.ToolName) : null,
            launch.ServeFileSystem ? new AcpSandboxFileSystem(launch.Sandbox) : null,
            process.DescribeExitAsync,
            logger);
        try
        {
            client.Start();
            await client.InitializeAsync(cancellationToken).ConfigureAwait(false);
            if (launch.AuthMethod is { } method)
            {
                await client.AuthenticateAsync(method, launch.AuthMeta, cancellationToken).ConfigureAwait(false);
            }

            var (mcpServers, refused) = Materialization.AcpMcpServers.ForAgent(launch.McpServers, client.Agent);
            var acpSessionId = await OpenSessionAsync(client, launch, mcpServers, logger, cancellationToken).ConfigureAwait(false);
            PostNotices(client, launch, refused);
            if (launch.Model is { } model && launch.SetModel)
            {
                await SetModelAsync(client, acpSessionId, model, launch, logger, cancellationToken).ConfigureAwait(false);
            }

            var mapper = new AcpUpdateMapper(time, launch.Totals, new AcpMapperOptions
            {
                AgentName = launch.AgentName,
                ToolName = launch.ToolName,
                DeferToolResults = launch.ToolDetails is not null,
                ThoughtSeparator = launch.ThoughtSeparator,
                Model = launch.Model,
            });
            return new AcpConnection(
                process, client, acpSessionId, mapper, launch.ToolDetails?.Invoke(acpSessionId),
                new AcpConnectionSettings(launch.SessionId, launch.AgentName, launch.TurnTimeout, launch.Commands), time, logger);
        }
        catch (JsonRpcException ex)
        {
            await StopAsync(client, process).ConfigureAwait(false);
            throw new AgentException($"{launch.AgentName} refused to start the session: {ex.Message}", "agent_error", ex);
        }
        catch (JsonRpcPeerClosedException ex)
        {
            await StopAsync(client, process).ConfigureAwait(false);
            throw new AgentException(ex.Message, "agent_exited", ex);
        }
        catch
        {
            await StopAsync(client, process).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task StopAsync(AcpClient client, AcpProcess process)
    {
        await process.DisposeAsync().ConfigureAwait(false);
        await client.DisposeAsync().ConfigureAwait(false);
    }

    // Said after the session is open (a loaded session's replay is dropped before), so that the first turn shows them.
    private static void PostNotices(AcpClient client, AcpLaunch launch, IReadOnlyList<Materialization.AcpMcpServer> refused)
    {
        foreach (var notice in launch.Notices)
        {
            client.Post(new AcpRuntimeNotice("profile_not_applied", notice));
        }

        if (refused.Count > 0)
        {
            var names = string.Join(", ", refused.Select(s => $"{s.Name} ({s.Transport})"));
            client.Post(new AcpRuntimeNotice(
                "profile_not_applied",
                $"The profile's MCP servers {names} are not offered: {launch.AgentName} does not take MCP servers of that transport (its mcpCapabilities).",
                new JsonObject { ["mcpServers"] = new JsonArray([.. refused.Select(s => JsonValue.Create(s.Name))]) }));
        }
    }

    private static async Task<string> OpenSessionAsync(AcpClient client, AcpLaunch launch, JsonArray mcpServers, ILogger logger, CancellationToken cancellationToken)
    {
        var cwd = launch.Sandbox.WorkspacePath;
        if (launch.ResumeSessionId is { } resume)
        {
            if (client.CanLoadSession)
            {
                LogLoading(logger, launch.SessionId, resume);
                await client.LoadSessionAsync(resume, cwd, mcpServers, cancellationToken).ConfigureAwait(false);
                await DropReplayAsync(client, cancellationToken).ConfigureAwait(false);
                return resume;
            }

            LogCannotLoad(logger, launch.SessionId, launch.AgentName);
        }

        var sessionId = await client.NewSessionAsync(cwd, mcpServers, cancellationToken).ConfigureAwait(false);
        LogStarted(logger, launch.SessionId, sessionId);
        if (launch.OnSessionStarted is { } started)
        {
            await started(sessionId, cancellationToken).ConfigureAwait(false);
        }

        return sessionId;
    }

    private static async Task DropReplayAsync(AcpClient client, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(ReplayBound);
        while (!bound.IsCancellationRequested)
        {
            while (client.Inbound.TryRead(out _))
            {
                // Replayed history: already in the session's log.
            }

            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
            quiet.CancelAfter(ReplayQuiet);
            try
            {
                if (!await client.Inbound.WaitToReadAsync(quiet.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task SetModelAsync(AcpClient client, string acpSessionId, string model, AcpLaunch launch, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await client.RequestAsync("session/set_model", new JsonObject { ["sessionId"] = acpSessionId, ["modelId"] = model }, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException ex)
        {
            // session/set_model is not part of every agent's ACP; the agent keeps its default model.
            LogModelNotSet(logger, launch.SessionId, model, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: loading ACP session {AcpSessionId}")]
    private static partial void LogLoading(ILogger logger, string sessionId, string acpSessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: started ACP session {AcpSessionId}")]
    private static partial void LogStarted(ILogger logger, string sessionId, string acpSessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Agent} cannot load sessions; starting a new one")]
    private static partial void LogCannotLoad(ILogger logger, string sessionId, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the agent did not take model {Model}: {Reason}")]
    private static partial void LogModelNotSet(ILogger logger, string sessionId, string model, string reason);
}
