using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>The human-readable line of a <c>system</c> block; the block's metadata keeps the whole message.</summary>
internal static class SystemMessageText
{
    public static string Describe(JsonObject message)
    {
        var subtype = TolerantJson.String(message, "subtype");
        return subtype switch
        {
            "init" => $"Claude Code {TolerantJson.String(message, "claude_code_version") ?? ""} started with model {TolerantJson.String(message, "model") ?? "(default)"} in {TolerantJson.String(message, "cwd") ?? "(unknown directory)"}.",
            "status" => $"Status: {TolerantJson.String(message, "status") ?? "unknown"}.",
            "thinking_tokens" => $"Thinking: about {TolerantJson.Long(message, "estimated_tokens") ?? 0} tokens so far.",
            "task_started" => $"Subagent started: {TolerantJson.String(message, "description") ?? TolerantJson.String(message, "subagent_type") ?? "task"}.",
            "task_progress" => $"Subagent progress: {TolerantJson.String(message, "description") ?? "working"}.",
            "task_updated" => $"Subagent {TolerantJson.String(TolerantJson.Object(message, "patch"), "status") ?? "updated"}.",
            "task_notification" => $"Subagent {TolerantJson.String(message, "status") ?? "finished"}: {TolerantJson.String(message, "summary") ?? ""}".TrimEnd(' ', ':'),
            "compact_boundary" => "The conversation was compacted.",
            _ => TolerantJson.String(message, "content") ?? TolerantJson.String(message, "message") ?? $"Claude Code reported '{subtype ?? "an event"}'.",
        };
    }
}
