using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Rpc;

/// <summary>
/// One side of a JSON-RPC 2.0 conversation over newline-delimited JSON (as ACP runs over stdio): every message is
/// one line of UTF-8 JSON. Requests we send are correlated with their answers by a numeric id; the peer's own
/// notifications and requests, interleaved with the answers, go to an <see cref="IJsonRpcHandler"/> in arrival order.
/// When the peer's output ends, every request still waiting fails with a <see cref="JsonRpcPeerClosedException"/>
/// whose message <c>describeClose</c> writes (an exit code, the tail of standard error), so nothing waits forever.
/// </summary>
internal sealed partial class JsonRpcPeer : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly IJsonRpcHandler _handler;
    private readonly Func<CancellationToken, Task<string>> _describeClose;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;
    private volatile JsonRpcPeerClosedException? _closed;
    private int _disposed;

    /// <param name="input">What the peer writes (its standard output).</param>
    /// <param name="output">What the peer reads (its standard input).</param>
    /// <param name="handler">Receives the peer's notifications and requests.</param>
    /// <param name="describeClose">Explains, once, why the peer's output ended.</param>
    /// <param name="logger">Where message traffic is logged (at Trace: it holds prompts and file contents).</param>
    public JsonRpcPeer(Stream input, Stream output, IJsonRpcHandler handler, Func<CancellationToken, Task<string>> describeClose, ILogger logger)
    {
        _input = input;
        _output = output;
        _handler = handler;
        _describeClose = describeClose;
        _logger = logger;
    }

    /// <summary>Completes when the peer's output has ended and every waiting request has failed.</summary>
    public Task Completion => _readLoop;

    /// <summary>Why the peer's output ended, once it has.</summary>
    public JsonRpcPeerClosedException? Closed => _closed;

    public void Start() => _readLoop = Task.Run(ReadLoopAsync);

    /// <summary>Sends a request and returns the <c>result</c> of its answer.</summary>
    /// <exception cref="JsonRpcException">The peer answered with an error.</exception>
    /// <exception cref="JsonRpcPeerClosedException">The peer's output ended before it answered.</exception>
    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        // Checked after registering, so a close racing with this call either sees the request or is seen here.
        if (_closed is { } closed)
        {
            _pending.TryRemove(id, out _);
            throw new JsonRpcPeerClosedException(closed.Message);
        }

        try
        {
            await WriteAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(id, out _);
            throw;
        }

        using var registration = cancellationToken.Register(() =>
        {
            if (_pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetCanceled(cancellationToken);
            }
        });
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Sends a notification (no answer is expected).</summary>
    public Task NotifyAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        WriteAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A read that ignores cancellation ends with its stream; the pending requests were failed already or are below.
        }

        Close(new JsonRpcPeerClosedException("The connection to the agent was closed."));
        _stopping.Dispose();
        _writeLock.Dispose();
    }

    private async Task WriteAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var text = message.ToJsonString();
        LogSent(_logger, text);
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed is { } closed)
            {
                throw new JsonRpcPeerClosedException(closed.Message);
            }

            await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The peer's input is gone, so it has exited or is exiting: say why, as for a request it left unanswered.
            throw new JsonRpcPeerClosedException(await DescribeCloseAsync().ConfigureAwait(false));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            using var reader = new StreamReader(_input, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } line)
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    Dispatch(line);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Disposed, or the pipe broke with the process; either way the output has ended.
        }

        Close(new JsonRpcPeerClosedException(await DescribeCloseAsync().ConfigureAwait(false)));
    }

    private void Dispatch(string line)
    {
        LogReceived(_logger, line);
        JsonObject? message;
        try
        {
            message = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            _handler.OnUnreadableLine(line);
            return;
        }

        var method = message["method"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;
        var hasId = message.ContainsKey("id") && message["id"] is not null;
        if (method is not null && hasId)
        {
            _ = AnswerAsync(message["id"]!.DeepClone(), method, message["params"]);
        }
        else if (method is not null)
        {
            _handler.OnNotification(method, message["params"]);
        }
        else if (hasId && TryReadId(message["id"], out var id) && _pending.TryRemove(id, out var waiting))
        {
            if (message.ContainsKey("error"))
            {
                waiting.TrySetException(JsonRpcException.FromJson(message["error"]));
            }
            else
            {
                waiting.TrySetResult(message["result"]?.DeepClone());
            }
        }
        else
        {
            LogUnexpectedResponse(_logger, line.Length > 200 ? line[..200] : line);
        }
    }

    private async Task AnswerAsync(JsonNode id, string method, JsonNode? parameters)
    {
        JsonObject answer;
        try
        {
            // Called without yielding first, so the handler's synchronous part runs in arrival order.
            var result = await _handler.OnRequestAsync(method, parameters, _stopping.Token).ConfigureAwait(false);
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };
        }
        catch (JsonRpcException ex)
        {
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = ex.ToJson() };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogHandlerFailed(_logger, method, ex);
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonRpcException(JsonRpcException.InternalError, ex.Message).ToJson() };
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await WriteAsync(answer, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonRpcPeerClosedException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone; nobody is waiting for the answer.
        }
    }

    private async Task<string> DescribeCloseAsync()
    {
        if (_closed is { } closed)
        {
            return closed.Message;
        }

        try
        {
            return await _describeClose(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"The agent closed its output ({ex.Message}).";
        }
    }

    private void Close(JsonRpcPeerClosedException reason)
    {
        _closed ??= reason;
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetException(_closed);
            }
        }
    }

    private static bool TryReadId(JsonNode? node, out long id)
    {
        id = 0;
        return node is JsonValue value
            && (value.TryGetValue(out id) || (value.TryGetValue<string>(out var text) && long.TryParse(text, out id)));
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "ACP >> {Message}")]
    private static partial void LogSent(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Trace, Message = "ACP << {Message}")]
    private static partial void LogReceived(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACP: an answer to no pending request: {Message}")]
    private static partial void LogUnexpectedResponse(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACP: answering the agent's {Method} request failed")]
    private static partial void LogHandlerFailed(ILogger logger, string method, Exception exception);
}
