using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Rpc;

/// <summary>
/// A JSON-RPC error: what the peer answered to one of our requests, or what we answer to one of its requests when
/// thrown by a handler.
/// </summary>
internal sealed class JsonRpcException(int code, string message, JsonNode? data = null) : Exception(message)
{
    /// <summary>The method is not known (JSON-RPC 2.0).</summary>
    public const int MethodNotFound = -32601;

    /// <summary>The parameters are not what the method takes (JSON-RPC 2.0).</summary>
    public const int InvalidParams = -32602;

    /// <summary>The handler failed (JSON-RPC 2.0).</summary>
    public const int InternalError = -32603;

    /// <summary>ACP: the resource (a file) does not exist.</summary>
    public const int ResourceNotFound = -32002;

    public int Code { get; } = code;

    public JsonNode? ErrorData { get; } = data;

    /// <summary>The error as a JSON-RPC <c>error</c> object.</summary>
    public JsonObject ToJson()
    {
        var error = new JsonObject { ["code"] = Code, ["message"] = Message };
        if (ErrorData is not null)
        {
            error["data"] = ErrorData.DeepClone();
        }

        return error;
    }

    /// <summary>Reads a JSON-RPC <c>error</c> object, tolerating missing fields.</summary>
    public static JsonRpcException FromJson(JsonNode? error)
    {
        var code = error is JsonObject o && o["code"] is JsonValue c && c.TryGetValue<int>(out var value) ? value : InternalError;
        var message = error is JsonObject m && m["message"] is JsonValue t && t.TryGetValue<string>(out var text) ? text : error?.ToJsonString() ?? "unknown error";
        // Agents put the cause in data (the ACP SDKs answer "Internal error" with data.details); it belongs in the message.
        var data = (error as JsonObject)?["data"]?.DeepClone();
        var details = data switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject d when d["details"] is JsonValue dv && dv.TryGetValue<string>(out var s) => s,
            _ => data.ToJsonString(),
        };
        return new JsonRpcException(code, details is null || message.Contains(details, StringComparison.Ordinal) ? message : $"{message}: {details}", data);
    }
}

/// <summary>The peer's output ended (it exited or closed it): requests still waiting for an answer fail with this.</summary>
internal sealed class JsonRpcPeerClosedException(string message) : Exception(message);
