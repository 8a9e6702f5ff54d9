using System.Reflection;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentRuntime.Architectures.Acp.Rpc;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>
/// The client side of the Agent Client Protocol over a <see cref="JsonRpcPeer"/>: the agent methods the runtime calls
/// (<c>initialize</c>, <c>authenticate</c>, <c>session/new</c>, <c>session/load</c>, <c>session/prompt</c>,
/// <c>session/cancel</c>) and the client methods the agent calls (<c>session/request_permission</c>, answered by the
/// <see cref="AcpPermissionPolicy"/> or, without one, by the turn's approvals through <see cref="AcpPermissionPrompt"/>; <c>fs/read_text_file</c> and <c>fs/write_text_file</c> when a file system is
/// served). What the agent says on its own lands in <see cref="Inbound"/>, in order.
/// </summary>
internal sealed partial class AcpClient : IJsonRpcHandler, IAsyncDisposable
{
    /// <summary>The ACP protocol version this client speaks.</summary>
    public const int ProtocolVersion = 1;

    private readonly JsonRpcPeer _peer;
    private readonly AcpPermissionPolicy? _permissions;
    private readonly AcpSandboxFileSystem? _files;
    private readonly ILogger _logger;
    private readonly Channel<AcpInbound> _inbound = Channel.CreateUnbounded<AcpInbound>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="fromAgent">The agent's standard output.</param>
    /// <param name="toAgent">The agent's standard input.</param>
    /// <param name="permissions">Answers permission requests; <see langword="null"/>: the turn's approvals do.</param>
    /// <param name="files">Serves <c>fs/*</c>, advertised in <c>initialize</c>; <see langword="null"/> to serve none.</param>
    /// <param name="describeClose">Explains why the agent's output ended (its exit code, its standard error).</param>
    /// <param name="logger">The logger.</param>
    public AcpClient(Stream fromAgent, Stream toAgent, AcpPermissionPolicy? permissions, AcpSandboxFileSystem? files, Func<CancellationToken, Task<string>> describeClose, ILogger logger)
    {
        _permissions = permissions;
        _files = files;
        _logger = logger;
        _peer = new JsonRpcPeer(fromAgent, toAgent, this, describeClose, logger);
    }

    /// <summary>What the agent said on its own (updates, permission requests, anything else), in arrival order.</summary>
    public ChannelReader<AcpInbound> Inbound => _inbound.Reader;

    /// <summary>Completes when the agent's output has ended.</summary>
    public Task Completion => _peer.Completion;

    /// <summary>The <c>initialize</c> result, once initialized.</summary>
    public JsonObject? Agent { get; private set; }

    /// <summary>Whether the agent can resume a session with <c>session/load</c>.</summary>
    public bool CanLoadSession => TolerantJson.Bool(TolerantJson.Object(Agent, "agentCapabilities"), "loadSession") == true;

    /// <summary>Whether the agent takes images in a prompt.</summary>
    public bool CanTakeImages =>
        TolerantJson.Bool(TolerantJson.Object(TolerantJson.Object(Agent, "agentCapabilities"), "promptCapabilities"), "image") == true;

    public void Start() => _peer.Start();

    /// <summary>Adds to <see cref="Inbound"/> what the runtime itself decided, in order with what the agent says.</summary>
    public void Post(AcpInbound item) => _inbound.Writer.TryWrite(item);

    public async Task<JsonObject> InitializeAsync(CancellationToken cancellationToken)
    {
        var result = await _peer.RequestAsync("initialize", new JsonObject
        {
            ["protocolVersion"] = ProtocolVersion,
            ["clientCapabilities"] = new JsonObject
            {
                ["fs"] = new JsonObject { ["readTextFile"] = _files is not null, ["writeTextFile"] = _files is not null },
                ["terminal"] = false,
            },
            ["clientInfo"] = new JsonObject
            {
                ["name"] = "agent-runtime",
                ["version"] = typeof(AcpClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            },
        }, cancellationToken).ConfigureAwait(false);
        Agent = result as JsonObject ?? [];
        return Agent;
    }

    public Task AuthenticateAsync(string methodId, JsonObject? meta, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["methodId"] = methodId };
        if (meta is not null)
        {
            parameters["_meta"] = meta.DeepClone();
        }

        return _peer.RequestAsync("authenticate", parameters, cancellationToken);
    }

    /// <summary>Starts a session in <paramref name="cwd"/> with the given MCP servers (ACP <c>McpServer</c>s) and returns the agent's id for it.</summary>
    public async Task<string> NewSessionAsync(string cwd, JsonArray mcpServers, CancellationToken cancellationToken)
    {
        var result = await _peer.RequestAsync("session/new", new JsonObject { ["cwd"] = cwd, ["mcpServers"] = mcpServers.DeepClone() }, cancellationToken).ConfigureAwait(false);
        return TolerantJson.String(result, "sessionId")
            ?? throw new JsonRpcException(JsonRpcException.InternalError, "session/new answered without a sessionId.");
    }

    /// <summary>Resumes a session. The agent replays its history as updates, which land in <see cref="Inbound"/>.</summary>
    public Task LoadSessionAsync(string sessionId, string cwd, JsonArray mcpServers, CancellationToken cancellationToken) =>
        _peer.RequestAsync("session/load", new JsonObject { ["sessionId"] = sessionId, ["cwd"] = cwd, ["mcpServers"] = mcpServers.DeepClone() }, cancellationToken);

    /// <summary>Sends a user message; completes with the <c>session/prompt</c> result (its <c>stopReason</c>) when the turn ends.</summary>
    public async Task<JsonObject> PromptAsync(string sessionId, string text, IReadOnlyList<Blocks.MessageImage> images, CancellationToken cancellationToken)
    {
        // Images first, then the text about them, as the seed's clients send them.
        var prompt = new JsonArray([.. images.Select(i => new JsonObject { ["type"] = "image", ["mimeType"] = i.MediaType, ["data"] = i.Data })]);
        prompt.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        var result = await _peer.RequestAsync("session/prompt", new JsonObject
        {
            ["sessionId"] = sessionId,
            ["prompt"] = prompt,
        }, cancellationToken).ConfigureAwait(false);
        return result as JsonObject ?? [];
    }

    /// <summary>Asks the agent to stop the running turn; it answers the pending prompt with <c>stopReason: cancelled</c>.</summary>
    public Task CancelAsync(string sessionId, CancellationToken cancellationToken) =>
        _peer.NotifyAsync("session/cancel", new JsonObject { ["sessionId"] = sessionId }, cancellationToken);

    /// <summary>Calls any other agent method.</summary>
    public Task<JsonNode?> RequestAsync(string method, JsonObject parameters, CancellationToken cancellationToken) =>
        _peer.RequestAsync(method, parameters, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _inbound.Writer.TryComplete();
        return _peer.DisposeAsync();
    }

    void IJsonRpcHandler.OnNotification(string method, JsonNode? parameters)
    {
        if (method == "session/update" && TolerantJson.Object(parameters, "update") is { } update)
        {
            _inbound.Writer.TryWrite(new AcpSessionUpdate(TolerantJson.String(parameters, "sessionId"), (JsonObject)update.DeepClone()));
        }
        else
        {
            _inbound.Writer.TryWrite(new AcpOtherNotification(method, parameters?.DeepClone()));
        }
    }

    Task<JsonNode?> IJsonRpcHandler.OnRequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        switch (method)
        {
            case "session/request_permission" when _permissions is null:
                var prompt = new AcpPermissionPrompt(
                    (JsonObject?)TolerantJson.Object(parameters, "toolCall")?.DeepClone() ?? [],
                    AcpPermissionOptions.Of(parameters),
                    new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));
                _inbound.Writer.TryWrite(prompt);
                return AnswerPromptAsync(prompt, cancellationToken);
            case "session/request_permission":
                var decision = _permissions.Decide(parameters);
                LogPermission(_logger, decision.ToolName, decision.Allowed, decision.Reason);
                _inbound.Writer.TryWrite(new AcpPermissionRequest((JsonObject?)TolerantJson.Object(parameters, "toolCall")?.DeepClone() ?? [], decision));
                return Task.FromResult<JsonNode?>(new JsonObject { ["outcome"] = decision.Outcome.DeepClone() });
            case "fs/read_text_file" when _files is not null:
                return _files.ReadTextFileAsync(parameters, cancellationToken);
            case "fs/write_text_file" when _files is not null:
                return _files.WriteTextFileAsync(parameters, cancellationToken);
            default:
                LogUnsupportedRequest(_logger, method);
                throw new JsonRpcException(JsonRpcException.MethodNotFound, $"Method not found: {method}");
        }
    }

    private static async Task<JsonNode?> AnswerPromptAsync(AcpPermissionPrompt prompt, CancellationToken cancellationToken) =>
        new JsonObject { ["outcome"] = await prompt.Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false) };

    void IJsonRpcHandler.OnUnreadableLine(string line) => _inbound.Writer.TryWrite(new AcpUnreadableLine(line));

    [LoggerMessage(Level = LogLevel.Information, Message = "ACP: permission for {ToolName}: {Allowed} ({Reason})")]
    private static partial void LogPermission(ILogger logger, string toolName, bool allowed, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACP: the agent called {Method}, which this client does not serve")]
    private static partial void LogUnsupportedRequest(ILogger logger, string method);
}
