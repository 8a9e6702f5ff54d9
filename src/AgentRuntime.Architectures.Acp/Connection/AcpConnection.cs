using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Architectures.Acp.Rpc;
using AgentRuntime.Events;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Connection;

/// <summary>
/// An ACP agent kept alive between turns with one ACP session: each turn is one <c>session/prompt</c>, streamed as the
/// agent's <c>session/update</c>s until the prompt is answered. A turn left early (cancelled, timed out, abandoned) is
/// stopped with <c>session/cancel</c>, so the agent stays usable; one that does not stop in time is killed.
/// </summary>
internal sealed partial class AcpConnection : IAgentConnection
{
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);
    private const int MaxBatch = 256;

    private readonly AcpProcess _process;
    private readonly AcpClient _client;
    private readonly AcpUpdateMapper _mapper;
    private readonly IAcpToolDetailsSource? _details;
    private readonly AcpConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<AcpPermissionPrompt> _prompts = [];
    private Approvals.IToolApprovals? _approvals;
    private int _turnRunning;
    private int _interrupting;
    private int _disposed;

    public AcpConnection(AcpProcess process, AcpClient client, string acpSessionId, AcpUpdateMapper mapper, IAcpToolDetailsSource? details, AcpConnectionSettings settings, TimeProvider time, ILogger logger)
    {
        _process = process;
        _client = client;
        AcpSessionId = acpSessionId;
        _mapper = mapper;
        _details = details;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    /// <summary>The agent's id of the ACP session this connection drives.</summary>
    public string AcpSessionId { get; }

    public Task Exited => _process.Exited;

    public async IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _turnRunning, 1) == 1)
        {
            throw new InvalidOperationException("A turn is already running on this connection.");
        }

        using var deadline = new CancellationTokenSource(_settings.TurnTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var started = _time.GetTimestamp();
        Task<JsonObject>? prompt = null;
        var finished = false;
        try
        {
            _mapper.BeginTurn(turn.TurnId);
            _approvals = turn.Approvals;
            Volatile.Write(ref _interrupting, 0);
            // What the agent said between turns (such as the commands it offers, sent after session/new) belongs to
            // no turn; it is shown at the start of the next one rather than lost.
            if (MapInbound([]) is { Count: > 0 } leftovers)
            {
                yield return leftovers;
            }

            LogTurnStarting(_logger, _settings.SessionId, turn.TurnId);
            LogPrompt(_logger, _settings.SessionId, turn.Content);
            // Not cancelled through the token: a turn is stopped with session/cancel, which the agent answers.
            if (turn.Images.Count > 0 && !_client.CanTakeImages)
            {
                throw new AgentException($"{_settings.AgentName} does not take images in a message (its promptCapabilities do not include image).", "images_not_supported");
            }

            prompt = _client.PromptAsync(AcpSessionId, Materialization.ProfileSlashCommands.Expand(turn.Content, _settings.Commands), turn.Images, _stopping.Token);
            while (true)
            {
                // What the agent has said so far is one batch (a bounded one: an agent that talks faster than it is
                // read still has its words stored as they come). A finished call's details are recorded by the time
                // the agent says anything more, so its result is shown before what comes next, where it belongs.
                var batch = new List<SessionEvent>();
                while (batch.Count < MaxBatch && _client.Inbound.TryPeek(out _))
                {
                    batch.AddRange(await ResolveToolResultsAsync(linked.Token).ConfigureAwait(false));
                    MapInbound(batch, max: 1);
                }

                if (batch.Count > 0)
                {
                    yield return batch;
                }

                // Updates are queued before the answer that follows them is seen, so once the prompt is answered a last
                // drain below reads everything the agent said in the turn.
                if (prompt.IsCompleted)
                {
                    break;
                }

                await WaitForAgentAsync(prompt, linked.Token, cancellationToken, deadline.Token).ConfigureAwait(false);
            }

            var result = await AnswerOfAsync(prompt).ConfigureAwait(false);
            var last = MapInbound([]);
            last.AddRange(await ResolveToolResultsAsync(linked.Token).ConfigureAwait(false));
            var end = _mapper.EndTurn(result);
            last.AddRange(end.Events);
            finished = true;
            LogTurnFinished(_logger, _settings.SessionId, turn.TurnId, end.StopReason, (long)_time.GetElapsedTime(started).TotalMilliseconds);
            if (last.Count > 0)
            {
                yield return last;
            }
        }
        finally
        {
            if (!finished)
            {
                await AbortTurnAsync(prompt).ConfigureAwait(false);
            }

            CancelPrompts();
            Volatile.Write(ref _turnRunning, 0);
        }
    }

    public async Task InterruptAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _turnRunning) == 0 || Interlocked.Exchange(ref _interrupting, 1) == 1)
        {
            return;
        }

        // The agent answers the prompt with stopReason "cancelled"; permission requests it is waiting on are answered
        // "cancelled" as ACP asks, whatever their approvals become.
        LogInterruptRequested(_logger, _settings.SessionId);
        await _client.CancelAsync(AcpSessionId, cancellationToken).ConfigureAwait(false);
        CancelPrompts();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _process.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task WaitForAgentAsync(Task<JsonObject> prompt, CancellationToken token, CancellationToken caller, CancellationToken deadline)
    {
        var more = _client.Inbound.WaitToReadAsync(token).AsTask();
        await Task.WhenAny(more, prompt).ConfigureAwait(false);
        if (token.IsCancellationRequested)
        {
            if (deadline.IsCancellationRequested && !caller.IsCancellationRequested)
            {
                throw new AgentException($"The turn did not finish within {_settings.TurnTimeout}; {_settings.AgentName} was told to cancel it.", "turn_timeout");
            }

            throw new OperationCanceledException(caller);
        }

        if (more is { IsCompletedSuccessfully: true, Result: false })
        {
            // The client is closed: the prompt fails or has its answer.
            await prompt.ConfigureAwait(false);
        }
    }

    private async Task<JsonObject> AnswerOfAsync(Task<JsonObject> prompt)
    {
        try
        {
            return await prompt.ConfigureAwait(false);
        }
        catch (JsonRpcException ex)
        {
            throw new AgentException($"{_settings.AgentName} failed the turn: {ex.Message}", "agent_error", ex);
        }
        catch (JsonRpcPeerClosedException ex)
        {
            throw new AgentException(ex.Message, "agent_exited", ex);
        }
    }

    // Maps what the agent has sent and nobody has read yet (at most max messages) into the batch.
    private List<SessionEvent> MapInbound(List<SessionEvent> batch, int max = int.MaxValue)
    {
        for (var i = 0; i < max && _client.Inbound.TryRead(out var item); i++)
        {
            batch.AddRange(_mapper.Map(item));
            if (item is AcpPermissionPrompt prompt)
            {
                Ask(prompt, batch);
            }
        }

        return batch;
    }

    // A permission request waits for the turn's approvals; what the log must show for it joins the batch, after the
    // tool call the mapper just showed. The decision goes back to the agent, and into the inbound queue so that a denied
    // call ends in order with what the agent says.
    private void Ask(AcpPermissionPrompt prompt, List<SessionEvent> batch)
    {
        if (Volatile.Read(ref _interrupting) == 1 || _turnRunning == 0)
        {
            prompt.Outcome.TrySetResult(new JsonObject { ["outcome"] = "cancelled" });
            return;
        }

        lock (_prompts)
        {
            _prompts.Add(prompt);
        }

        var decided = Task.FromResult(new Approvals.ToolApprovalDecision { Allow = true });
        if (_approvals is { } approvals)
        {
            var ticket = approvals.Request(new Approvals.ToolApprovalRequest
            {
                ConversationId = Conversations.Main,
                BlockId = _mapper.BlockOf(prompt.ToolCall),
                ToolUseId = TolerantJson.String(prompt.ToolCall, "toolCallId"),
                ToolName = _mapper.ToolNameOf(prompt.ToolCall),
                ToolKind = TolerantJson.String(prompt.ToolCall, "kind"),
                Input = TolerantJson.ToElement(AcpToolContent.Input(prompt.ToolCall)),
                Options = prompt.Options,
            });
            batch.AddRange(ticket.Events);
            decided = ticket.Decision;
        }

        _ = AnswerAsync(prompt, decided);
    }

    private async Task AnswerAsync(AcpPermissionPrompt prompt, Task<Approvals.ToolApprovalDecision> decided)
    {
        Approvals.ToolApprovalDecision decision;
        try
        {
            decision = await decided.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            decision = new Approvals.ToolApprovalDecision { Allow = false, Message = $"The runtime could not decide: {ex.Message}" };
        }

        var option = AcpPermissionOptions.Choose(prompt.Options, decision);
        var outcome = option is null
            ? new JsonObject { ["outcome"] = "cancelled" }
            : new JsonObject { ["outcome"] = "selected", ["optionId"] = option.OptionId };
        if (!prompt.Outcome.Task.IsCompleted)
        {
            // Queued before the agent has its answer, so before anything it says after it.
            var reason = decision.Allow ? "Allowed." : decision.Message ?? "The user denied this tool call.";
            _client.Post(new AcpPermissionAnswered(prompt.ToolCall, new AcpPermissionDecision(decision.Allow && option is not null, _mapper.ToolNameOf(prompt.ToolCall), outcome, reason)));
            prompt.Outcome.TrySetResult(outcome);
        }

        lock (_prompts)
        {
            _prompts.Remove(prompt);
        }
    }

    // Requests left unanswered when a turn ends or is interrupted are answered "cancelled", so the agent waits for none.
    private void CancelPrompts()
    {
        lock (_prompts)
        {
            foreach (var prompt in _prompts)
            {
                prompt.Outcome.TrySetResult(new JsonObject { ["outcome"] = "cancelled" });
            }

            _prompts.Clear();
        }
    }

    private async Task<List<SessionEvent>> ResolveToolResultsAsync(CancellationToken cancellationToken)
    {
        var events = new List<SessionEvent>();
        if (_details is null)
        {
            return events;
        }

        foreach (var toolCallId in _mapper.PendingToolResults.ToList())
        {
            try
            {
                if (await _details.FindAsync(toolCallId, cancellationToken).ConfigureAwait(false) is { } details)
                {
                    events.AddRange(_mapper.ResolveToolResult(toolCallId, details));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or Sandboxes.SandboxException)
            {
                LogDetailsFailed(_logger, _settings.SessionId, toolCallId, ex);
            }
        }

        return events;
    }

    // A turn left before its answer is cancelled so that the agent stays usable for the next one; an agent that does
    // not answer the cancelled prompt in time is killed.
    private async Task AbortTurnAsync(Task<JsonObject>? prompt)
    {
        if (prompt is null || prompt.IsCompleted || _process.Exited.IsCompleted)
        {
            return;
        }

        LogCancelling(_logger, _settings.SessionId);
        try
        {
            using var grace = new CancellationTokenSource(CancelGrace, _time);
            await _client.CancelAsync(AcpSessionId, grace.Token).ConfigureAwait(false);
            var result = await prompt.WaitAsync(grace.Token).ConfigureAwait(false);
            // The cancelled turn's last updates keep the mapper's state right; nobody is listening for them.
            while (_client.Inbound.TryRead(out var item))
            {
                _mapper.Map(item);
            }

            _mapper.EndTurn(result);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or JsonRpcException or JsonRpcPeerClosedException)
        {
            // Fall through to the kill.
        }

        LogKilled(_logger, _settings.SessionId, _settings.AgentName);
        _process.Kill();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: interrupting the turn at a client's request")]
    private static partial void LogInterruptRequested(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: turn {TurnId} starting")]
    private static partial void LogTurnStarting(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Session {SessionId}: prompt {Prompt}")]
    private static partial void LogPrompt(ILogger logger, string sessionId, string prompt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: turn {TurnId} ended ({StopReason}) after {ElapsedMs} ms")]
    private static partial void LogTurnFinished(ILogger logger, string sessionId, string turnId, string stopReason, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: cancelling the unfinished turn")]
    private static partial void LogCancelling(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Agent} did not answer the cancelled prompt in time and was killed")]
    private static partial void LogKilled(ILogger logger, string sessionId, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: could not read the details of tool call {ToolCallId}")]
    private static partial void LogDetailsFailed(ILogger logger, string sessionId, string toolCallId, Exception exception);
}

/// <summary>What an <see cref="AcpConnection"/> needs to know besides its parts.</summary>
/// <param name="SessionId">The runtime's session id, for logs.</param>
/// <param name="AgentName">The agent as messages name it.</param>
/// <param name="TurnTimeout">How long one turn may run.</param>
/// <param name="Commands">The profile's slash commands, expanded in the messages sent.</param>
internal sealed record AcpConnectionSettings(string SessionId, string AgentName, TimeSpan TurnTimeout, IReadOnlyList<Profiles.ProfileCommand>? Commands = null);
