using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// The proxy's own refusals, in the error format of the API the agent thinks it talks to, so its CLI shows the message
/// instead of a parse error. Status codes are chosen for how the CLIs react: 401 and 403 end the turn, while 429 and
/// 5xx are retried (right for an unreachable upstream, wrong for a spent budget).
/// </summary>
internal static class ModelErrors
{
    public static async Task WriteAsync(HttpContext context, ModelApiKind kind, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (kind == ModelApiKind.Anthropic)
            {
                json.WriteString("type", "error");
                json.WriteStartObject("error");
                json.WriteString("type", AnthropicType(status));
                json.WriteString("message", message);
                json.WriteEndObject();
            }
            else
            {
                json.WriteStartObject("error");
                json.WriteNumber("code", status);
                json.WriteString("message", message);
                json.WriteString("status", GoogleStatus(status));
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static string AnthropicType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        504 => "timeout_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    private static string GoogleStatus(int status) => status switch
    {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        504 => "DEADLINE_EXCEEDED",
        >= 500 => "UNAVAILABLE",
        _ => "INVALID_ARGUMENT",
    };
}
