using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>The Gemini CLI's tool calls: their names and what its session files record of them (0.61.0).</summary>
internal static class GeminiToolCalls
{
    /// <summary>
    /// The tool's name from an ACP tool call: the CLI makes every call id <c>&lt;tool name&gt;__&lt;model's id&gt;</c>,
    /// as in <c>run_shell_command__run_shell_command_1795463366325_0</c>.
    /// </summary>
    public static string? ToolName(JsonObject toolCall) =>
        TolerantJson.String(toolCall, "toolCallId") is { } id && id.IndexOf("__", StringComparison.Ordinal) is > 0 and var end ? id[..end] : null;

    /// <summary>The tool call with this id among a conversation's <c>gemini</c> messages, or <see langword="null"/>.</summary>
    public static JsonObject? Find(GeminiConversation conversation, string toolCallId) =>
        conversation.Messages
            .SelectMany(m => TolerantJson.Array(m, "toolCalls")?.OfType<JsonObject>() ?? [])
            .LastOrDefault(c => TolerantJson.String(c, "id") == toolCallId);

    /// <summary>A recorded call's name, input (<c>args</c>), output and outcome.</summary>
    public static AcpToolDetails Details(JsonObject call) => new(
        TolerantJson.String(call, "name"),
        (JsonObject?)TolerantJson.Object(call, "args")?.DeepClone() ?? [],
        Output(call),
        TolerantJson.String(call, "status") is not "success");

    /// <summary>
    /// The output as the user saw it: the <c>resultDisplay</c> (text; a shell's screen, lines of styled runs; a file
    /// edit's diff), else the response the model got (<c>output</c> or <c>error</c>).
    /// </summary>
    public static string Output(JsonObject call)
    {
        switch (call["resultDisplay"])
        {
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length > 0:
                return text;
            case JsonArray screen when Screen(screen) is { Length: > 0 } shown:
                return shown;
            case JsonObject edit when TolerantJson.String(edit, "fileDiff") is { Length: > 0 } diff:
                return diff;
        }

        var response = TolerantJson.Array(call, "result")?.OfType<JsonObject>()
            .Select(r => TolerantJson.Object(TolerantJson.Object(r, "functionResponse"), "response"))
            .FirstOrDefault(r => r is not null);
        return TolerantJson.String(response, "output") ?? TolerantJson.String(response, "error") ?? response?.ToJsonString() ?? "";
    }

    // A terminal screen: each line an array of runs with their text; trailing blanks (the cursor, padding) trimmed.
    private static string Screen(JsonArray lines)
    {
        var text = lines.Select(line => line is JsonArray runs ? string.Concat(runs.Select(r => TolerantJson.String(r, "text"))).TrimEnd() : "").ToList();
        while (text.Count > 0 && text[^1].Length == 0)
        {
            text.RemoveAt(text.Count - 1);
        }

        return new StringBuilder().AppendJoin('\n', text).ToString();
    }
}
