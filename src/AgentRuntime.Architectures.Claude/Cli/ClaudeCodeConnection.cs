using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Claude.Cli;

/// <summary>
/// A Claude Code CLI running with <c>--input-format stream-json</c>: it stays alive between turns, each turn being one
/// user message written to its standard input and answered by messages on its standard output up to a <c>result</c>.
/// Standard output is read all the time (into a channel), so the CLI never blocks on a full pipe between turns.
/// </summary>
internal sealed partial class ClaudeCodeConnection : IAgentConnection
{
    // Bounds on waiting for a CLI that should answer promptly; past them it is killed rather than waited for.
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    // At most this many lines of output go into one batch of events.
    private const int MaxBatchLines = 256;

    private readonly ISandboxProcess _process;
    private readonly StreamJsonMapper _mapper;
    private readonly string _sessionId;
    private readonly TimeSpan _turnTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<JsonObject> _lines = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly StderrTail _stderr = new();
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _pumps = Task.CompletedTask;
    private int _turnRunning;
    private int _interrupting;
    private int _disposed;

    public ClaudeCodeConnection(ISandboxProcess process, StreamJsonMapper mapper, string sessionId, TimeSpan turnTimeout, TimeProvider time, ILogger logger)
    {
        _process = process;
        _mapper = mapper;
        _sessionId = sessionId;
        _turnTimeout = turnTimeout;
        _time = time;
        _logger = logger;
    }

    public Task Exited => _process.Exited;

    public void Start() => _pumps = Task.WhenAll(Task.Run(PumpStdoutAsync), Task.Run(PumpStderrAsync));

    public async IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _turnRunning, 1) == 1)
        {
            throw new InvalidOperationException("A turn is already running on this connection.");
        }

        using var deadline = new CancellationTokenSource(_turnTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var started = _time.GetTimestamp();
        var finished = false;
        AgentException? failure = null;
        try
        {
            // Whatever the CLI said between turns (it can act on its own, e.g. on a finished background task)
            // belongs to no turn; it is shown at the start of the next one rather than lost.
            var leftovers = new List<SessionEvent>();
            while (_lines.Reader.TryRead(out var leftover))
            {
                leftovers.AddRange(_mapper.Map(leftover).Events);
            }

            if (leftovers.Count > 0)
            {
                yield return leftovers;
            }

            Volatile.Write(ref _interrupting, 0);
            LogTurnStarting(_logger, _sessionId, turn.TurnId);
            LogPrompt(_logger, _sessionId, turn.Content);
            await WriteAsync(UserMessage(turn), linked.Token).ConfigureAwait(false);
            while (!finished)
            {
                var line = await NextLineAsync(linked.Token, cancellationToken, deadline.Token).ConfigureAwait(false)
                    ?? throw await ExitedMidTurnAsync().ConfigureAwait(false);
                var (batch, outcome) = MapWaitingLines(line, turn);
                if (outcome is not null)
                {
                    finished = true;
                    LogTurnFinished(_logger, _sessionId, turn.TurnId, outcome.Subtype, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                    // An interrupted turn ends with an error result; it was asked for, so it is no failure.
                    failure = outcome.IsError && Volatile.Read(ref _interrupting) == 0
                        ? new AgentException($"Claude Code ended the turn with an error: {outcome.Message}", "agent_error")
                        : null;
                }

                if (batch.Count > 0)
                {
                    yield return batch;
                }
            }

            // What the agent said before an error is kept: the turn fails after it.
            if (failure is not null)
            {
                throw failure;
            }
        }
        finally
        {
            if (!finished)
            {
                await AbortTurnAsync().ConfigureAwait(false);
            }

            Volatile.Write(ref _turnRunning, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Closing standard input lets the CLI finish writing its transcript and exit; it is killed if it does not.
        try
        {
            _process.StandardInput.Close();
            await _process.Exited.WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException)
        {
            LogExitForced(_logger, _sessionId);
        }

        await _process.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pumps.WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The pipes are gone with the process; nothing left to read.
        }

        _stopping.Dispose();
        _stdin.Dispose();
    }

    // One batch is the line just read and every line the CLI wrote after it that waits to be read, up to the turn's
    // result; bounded, so that a CLI writing faster than it is read still has its output stored as it comes.
    private (List<SessionEvent> Batch, TurnOutcome? Outcome) MapWaitingLines(JsonObject line, AgentTurn turn)
    {
        var batch = new List<SessionEvent>();
        for (var lines = 1; ; lines++)
        {
            TurnOutcome? outcome = null;
            if (IsControlRequest(line, out var subtype) && subtype == "can_use_tool")
            {
                Ask(line, turn, batch);
            }
            else
            {
                outcome = _mapper.MapInto(line, batch);
            }

            if (outcome is not null || lines == MaxBatchLines || !_lines.Reader.TryRead(out var next))
            {
                return (batch, outcome);
            }

            line = next;
        }
    }

    private async Task<JsonObject?> NextLineAsync(CancellationToken token, CancellationToken caller, CancellationToken deadline)
    {
        try
        {
            return await _lines.Reader.WaitToReadAsync(token).ConfigureAwait(false) && _lines.Reader.TryRead(out var line) ? line : null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            throw new AgentException($"The turn did not finish within {_turnTimeout}; Claude Code was interrupted.", "turn_timeout");
        }
    }

    // A turn left before its result (cancelled, timed out, abandoned by the caller) is interrupted so that the CLI
    // stays usable for the next one; a CLI that does not confirm in time is killed.
    private async Task AbortTurnAsync()
    {
        if (_process.Exited.IsCompleted || _lines.Reader.Completion.IsCompleted)
        {
            return;
        }

        LogInterrupting(_logger, _sessionId);
        using var grace = new CancellationTokenSource(InterruptGrace, _time);
        try
        {
            await WriteAsync(new JsonObject
            {
                ["type"] = "control_request",
                ["request_id"] = $"interrupt-{Guid.NewGuid():N}",
                ["request"] = new JsonObject { ["subtype"] = "interrupt" },
            }, grace.Token).ConfigureAwait(false);
            while (await _lines.Reader.WaitToReadAsync(grace.Token).ConfigureAwait(false))
            {
                // The interrupted turn's last messages keep the mapper's state right; nobody is listening for them.
                if (_lines.Reader.TryRead(out var line) && _mapper.Map(line).Outcome is not null)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or AgentException)
        {
            // Fall through to the kill.
        }

        LogKilled(_logger, _sessionId);
        _process.Kill();
    }

    private async Task<AgentException> ExitedMidTurnAsync()
    {
        int? code = null;
        try
        {
            code = await _process.Exited.WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Output closed but the process lingers; report what is known.
        }

        var stderr = _stderr.Text();
        return new AgentException(
            $"Claude Code exited{(code is null ? "" : $" with code {code}")} before the turn finished."
            + (stderr is null ? " It wrote nothing to standard error." : $" Standard error ended with:\n{stderr}"),
            "agent_exited");
    }

    private async Task WriteAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        await _stdin.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new AgentException($"Claude Code is not running (its input is closed). {_stderr.Text()}".TrimEnd(), "agent_exited", ex);
        }
        finally
        {
            _stdin.Release();
        }
    }

    // The Messages API's content: the text alone, or the images (base64 sources) and then the text.
    private JsonObject UserMessage(AgentTurn turn) => new()
    {
        ["type"] = "user",
        ["message"] = new JsonObject
        {
            ["role"] = "user",
            ["content"] = turn.Images.Count == 0 ? turn.Content : new JsonArray(
            [
                .. turn.Images.Select(i => new JsonObject
                {
                    ["type"] = "image",
                    ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = i.MediaType, ["data"] = i.Data },
                }),
                new JsonObject { ["type"] = "text", ["text"] = turn.Content },
            ]),
        },
        ["parent_tool_use_id"] = null,
        ["session_id"] = _sessionId,
    };

    private async Task PumpStdoutAsync()
    {
        try
        {
            using var reader = new StreamReader(_process.StandardOutput, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } text)
            {
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                LogLine(_logger, _sessionId, text);
                var line = Parse(text);
                if (IsControlRequest(line, out var subtype) && subtype != "can_use_tool")
                {
                    // Permission prompts are the turn's to answer, in order with what the agent said before asking; any
                    // other request would wait for an answer forever, so it is declined (and shown as an unknown message).
                    await DeclineAsync(line, subtype).ConfigureAwait(false);
                }

                await _lines.Writer.WriteAsync(line, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Disposed, or the pipe broke with the process: the turn learns it from the completed channel.
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            using var reader = new StreamReader(_process.StandardError, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } text)
            {
                _stderr.Add(text);
                LogStderr(_logger, _sessionId, text);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // As for standard output.
        }
    }

    private static JsonObject Parse(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject line)
            {
                return line;
            }
        }
        catch (JsonException)
        {
            // Not JSON: kept as text below.
        }

        return new JsonObject { ["type"] = "non_json_output", ["text"] = text };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: turn {TurnId} starting")]
    private static partial void LogTurnStarting(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Session {SessionId}: prompt {Prompt}")]
    private static partial void LogPrompt(ILogger logger, string sessionId, string prompt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: turn {TurnId} ended ({Subtype}) after {ElapsedMs} ms")]
    private static partial void LogTurnFinished(ILogger logger, string sessionId, string turnId, string subtype, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Session {SessionId}: stdout {Line}")]
    private static partial void LogLine(ILogger logger, string sessionId, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: stderr {Line}")]
    private static partial void LogStderr(ILogger logger, string sessionId, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: interrupting the unfinished turn")]
    private static partial void LogInterrupting(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: Claude Code did not confirm the interrupt in time and was killed")]
    private static partial void LogKilled(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: Claude Code did not exit when its input closed; killing it")]
    private static partial void LogExitForced(ILogger logger, string sessionId);

}
