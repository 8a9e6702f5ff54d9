using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Rpc;

namespace AgentRuntime.Architectures.Acp.Tests.Rpc;

/// <summary>Records what the peer hands over, in order; answers requests with <see cref="Answer"/>.</summary>
internal sealed class RecordingHandler : IJsonRpcHandler
{
    public ConcurrentQueue<string> Log { get; } = new();

    public Func<string, JsonNode?, Task<JsonNode?>> Answer { get; set; } =
        (method, _) => throw new JsonRpcException(JsonRpcException.MethodNotFound, $"Method not found: {method}");

    public void OnNotification(string method, JsonNode? parameters) => Log.Enqueue($"{method} {parameters?.ToJsonString()}");

    public Task<JsonNode?> OnRequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        Log.Enqueue($"request {method}");
        return Answer(method, parameters);
    }

    public void OnUnreadableLine(string line) => Log.Enqueue($"unreadable {line}");
}
