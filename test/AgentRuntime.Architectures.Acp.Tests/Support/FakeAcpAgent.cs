using System.IO.Pipes;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Tests.Support;

/// <summary>
/// The other end of an ACP connection, hand-written for tests: real OS pipes in both directions (so closing one ends
/// the reader's stream, as a process exiting does), read and written a JSON line at a time by the test.
/// </summary>
internal sealed class FakeAcpAgent : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly AnonymousPipeServerStream _toAgent = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _agentStdin;
    private readonly AnonymousPipeServerStream _fromAgent = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _agentStdout;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public FakeAcpAgent()
    {
        _agentStdin = new AnonymousPipeClientStream(PipeDirection.In, _toAgent.ClientSafePipeHandle);
        _agentStdout = new AnonymousPipeClientStream(PipeDirection.In, _fromAgent.ClientSafePipeHandle);
        _reader = new StreamReader(_agentStdin, Encoding.UTF8);
    }

    /// <summary>What the client writes to (the agent's standard input).</summary>
    public Stream ClientOutput => _toAgent;

    /// <summary>What the client reads (the agent's standard output).</summary>
    public Stream ClientInput => _agentStdout;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The next message the client sent, or <see langword="null"/> when it closed its output.</summary>
    public async Task<JsonObject?> ReadAsync()
    {
        var line = await _reader.ReadLineAsync(Token).AsTask().WaitAsync(Bound, Token);
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>The next message the client sent, which must be a request or notification of <paramref name="method"/>.</summary>
    public async Task<JsonObject> ExpectAsync(string method)
    {
        var message = await ReadAsync() ?? throw new InvalidOperationException($"The client closed its output; expected {method}.");
        Assert.Equal(method, message["method"]?.GetValue<string>());
        return message;
    }

    public Task SendAsync(JsonObject message) => WriteRawAsync(message.ToJsonString() + "\n");

    public Task RespondAsync(JsonNode? id, JsonNode? result) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = result });

    public Task RespondErrorAsync(JsonNode? id, int code, string message, JsonNode? data = null) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["data"] = data } });

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public Task UpdateAsync(string sessionId, JsonObject update) =>
        NotifyAsync("session/update", new JsonObject { ["sessionId"] = sessionId, ["update"] = update });

    public Task RequestAsync(long id, string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });

    /// <summary>Writes text as is, to split or join lines as a real pipe may.</summary>
    public async Task WriteRawAsync(string text)
    {
        await _writeLock.WaitAsync(Token);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            await _fromAgent.WriteAsync(bytes, Token).AsTask().WaitAsync(Bound, Token);
            await _fromAgent.FlushAsync(Token).WaitAsync(Bound, Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the agent's output, as a process exiting does.</summary>
    public void CloseOutput() => _fromAgent.Dispose();

    public ValueTask DisposeAsync()
    {
        _fromAgent.Dispose();
        _agentStdout.Dispose();
        _reader.Dispose();
        _toAgent.Dispose();
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A text content block.</summary>
    public static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    /// <summary>A session/update of a message or thought chunk.</summary>
    public static JsonObject Chunk(string kind, string text) => new() { ["sessionUpdate"] = kind, ["content"] = Text(text) };

    /// <summary>The parameters of a <c>session/request_permission</c> for a pending call, offering allow once and reject once.</summary>
    public static JsonObject Permission(string id, string kind) => new()
    {
        ["sessionId"] = "acp-1",
        ["toolCall"] = new JsonObject { ["toolCallId"] = id, ["title"] = id, ["kind"] = kind, ["status"] = "pending" },
        ["options"] = new JsonArray(new JsonObject { ["optionId"] = "allow", ["kind"] = "allow_once" }, new JsonObject { ["optionId"] = "reject", ["kind"] = "reject_once" }),
    };
}
