using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Rpc;

/// <summary>What a <see cref="JsonRpcPeer"/> does with the messages the peer sends on its own.</summary>
internal interface IJsonRpcHandler
{
    /// <summary>A notification. Called on the read loop, in the order messages arrive; must not block.</summary>
    void OnNotification(string method, JsonNode? parameters);

    /// <summary>
    /// A request. Called on the read loop, in the order messages arrive, so that whatever the handler does before its
    /// first <c>await</c> is ordered with the notifications around it; the answer is written when the task ends. A
    /// <see cref="JsonRpcException"/> becomes that error, any other exception an internal error.
    /// </summary>
    Task<JsonNode?> OnRequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken);

    /// <summary>A line that is not a JSON-RPC message (some agents log to standard output).</summary>
    void OnUnreadableLine(string line);
}
