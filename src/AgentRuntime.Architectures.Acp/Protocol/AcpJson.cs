using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>What only ACP messages need beyond <see cref="TolerantJson"/>: the text of a content block.</summary>
internal static class AcpJson
{
    /// <summary>The text an ACP content block carries: text as is, other kinds named so that they are seen.</summary>
    public static string ContentText(JsonNode? content) => TolerantJson.String(content, "type") switch
    {
        "text" => TolerantJson.String(content, "text") ?? "",
        "image" => "[image]",
        "audio" => "[audio]",
        "resource_link" => $"[{TolerantJson.String(content, "name") ?? TolerantJson.String(content, "uri") ?? "resource"}]({TolerantJson.String(content, "uri")})",
        "resource" => TolerantJson.String(TolerantJson.Object(content, "resource"), "text") ?? $"[{TolerantJson.String(TolerantJson.Object(content, "resource"), "uri") ?? "resource"}]",
        null => "",
        _ => content!.ToJsonString(),
    };
}
