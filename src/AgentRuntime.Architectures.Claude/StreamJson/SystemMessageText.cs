using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>The human-readable line of a <c>system</c> block; the block's metadata keeps the whole message.</summary>
internal static class SystemMessageText
{
    public static string Describe(JsonObject message)
    {
        var subtype = ClaudeJson.String(message, "subtype");
        return subtype switch
        {
            "init" => $"Claude Code {ClaudeJson.String(message, "claude_code_version") ?? ""} started with model {ClaudeJson.String(message, "model") ?? "(default)"} in {ClaudeJson.String(message, "cwd") ?? "(unknown directory)"}.",
            "status" => $"Status: {ClaudeJson.String(message, "status") ?? "unknown"}.",
            "thinking_tokens" => $"Thinking: about {ClaudeJson.Long(message, "estimated_tokens") ?? 0} tokens so far.",
            "task_started" => $"Subagent started: {ClaudeJson.String(message, "description") ?? ClaudeJson.String(message, "subagent_type") ?? "task"}.",
            "task_progress" => $"Subagent progress: {ClaudeJson.String(message, "description") ?? "working"}.",
            "task_updated" => $"Subagent {ClaudeJson.String(ClaudeJson.Object(message, "patch"), "status") ?? "updated"}.",
            "task_notification" => $"Subagent {ClaudeJson.String(message, "status") ?? "finished"}: {ClaudeJson.String(message, "summary") ?? ""}".TrimEnd(' ', ':'),
            "compact_boundary" => "The conversation was compacted.",
            _ => ClaudeJson.String(message, "content") ?? ClaudeJson.String(message, "message") ?? $"Claude Code reported '{subtype ?? "an event"}'.",
        };
    }
}
