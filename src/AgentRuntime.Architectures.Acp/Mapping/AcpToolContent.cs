using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Acp.Mapping;

/// <summary>Reads the parts of an ACP tool call: its status, its input and its output as text.</summary>
internal static class AcpToolContent
{
    public static ToolStatus? Status(JsonObject toolCall) => TolerantJson.String(toolCall, "status") switch
    {
        "pending" => ToolStatus.Pending,
        "in_progress" => ToolStatus.Running,
        "completed" => ToolStatus.Success,
        "failed" => ToolStatus.Error,
        _ => null,
    };

    public static bool IsTerminal(ToolStatus status) => status is ToolStatus.Success or ToolStatus.Error;

    /// <summary>The call's <c>rawInput</c> when it is an object; else what ACP says of it (title, kind, locations).</summary>
    public static JsonObject Input(JsonObject toolCall)
    {
        if (toolCall["rawInput"] is JsonObject raw)
        {
            return (JsonObject)raw.DeepClone();
        }

        var input = new JsonObject();
        foreach (var name in new[] { "title", "kind", "locations" })
        {
            if (toolCall[name] is { } value && value is not JsonArray { Count: 0 })
            {
                input[name] = value.DeepClone();
            }
        }

        return input;
    }

    /// <summary>
    /// The output of a call as text: its content items (text as is, a diff as the path and the new text, a terminal by
    /// id), else its <c>rawOutput</c>.
    /// </summary>
    public static string Output(JsonObject toolCall)
    {
        var text = new StringBuilder();
        foreach (var item in TolerantJson.Array(toolCall, "content")?.OfType<JsonObject>() ?? [])
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(TolerantJson.String(item, "type") switch
            {
                "content" => AcpJson.ContentText(item["content"]),
                "diff" => $"{TolerantJson.String(item, "path")} ({(TolerantJson.String(item, "oldText") is null ? "new file" : "edited")}):\n{TolerantJson.String(item, "newText")}",
                "terminal" => $"[terminal {TolerantJson.String(item, "terminalId")}]",
                _ => item.ToJsonString(),
            });
        }

        if (text.Length == 0 && toolCall["rawOutput"] is { } raw)
        {
            text.Append(raw is JsonValue value && value.TryGetValue<string>(out var s) ? s : raw.ToJsonString());
        }

        return text.ToString();
    }
}
