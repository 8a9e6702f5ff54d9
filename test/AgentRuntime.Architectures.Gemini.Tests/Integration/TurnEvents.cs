using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

/// <summary>Folding and reading a turn's events.</summary>
internal static class TurnEvents
{
    public static ConversationProjection Project(IEnumerable<SessionEvent> events)
    {
        var projection = new ConversationProjection();
        foreach (var e in events)
        {
            projection.Apply(e);
        }

        return projection;
    }

    public static string LastText(IEnumerable<SessionEvent> events) =>
        events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content;

    public static string Kind(ConversationBlock block) => block switch
    {
        UserMessageBlock => "user_message",
        AssistantTextBlock => "assistant_text",
        ToolUseBlock => "tool_use",
        ToolResultBlock => "tool_result",
        ThinkingBlock => "thinking",
        SystemBlock system => "system:" + system.Subtype,
        _ => block.GetType().Name,
    };
}
