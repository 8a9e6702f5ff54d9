using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>
/// Rebuilds a session's blocks from the Gemini CLI's session file. Each record is turned into the ACP updates the CLI
/// streams for it live (a user message, its thoughts, its text, its finished tool calls) and goes through the same
/// <see cref="AcpUpdateMapper"/>, with each call's details read from the record as they are live, so the blocks have
/// the shapes the live stream gave. The CLI's own records (its session context, tool responses) are not the dialogue
/// and are skipped; its <c>info</c>, <c>warning</c> and <c>error</c> records become system blocks.
/// </summary>
internal static class GeminiTranscriptParser
{
    /// <summary>The CLI sends each thought summary whole, one chunk each; a blank line keeps them apart.</summary>
    public const string ThoughtSeparator = "\n\n";

    public static AcpMapperOptions MapperOptions(string? model) => new()
    {
        AgentName = GeminiCliArchitecture.AgentName,
        ToolName = GeminiToolCalls.ToolName,
        DeferToolResults = true,
        ThoughtSeparator = ThoughtSeparator,
        Model = model,
    };

    public static ParsedTranscript Parse(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session)
    {
        if (GeminiSessionFiles.Latest(files) is not { } conversation)
        {
            return new ParsedTranscript([], []);
        }

        var mapper = new AcpUpdateMapper(time: null, session.Metadata, MapperOptions(model: null));
        var projection = new ConversationProjection();
        void Apply(IEnumerable<SessionEvent> events)
        {
            foreach (var e in events)
            {
                projection.Apply(e);
            }
        }

        foreach (var message in conversation.Messages)
        {
            mapper.Timestamp = Timestamp(message) ?? mapper.Timestamp;
            var id = TolerantJson.String(message, "id") ?? "";
            var type = TolerantJson.String(message, "type");
            switch (type)
            {
                case "user":
                    var text = GeminiConversation.ContentText(message["content"]);
                    if (!GeminiConversation.IsIgnoredUserText(text))
                    {
                        Apply(mapper.CloseOpenBlock());
                        mapper.BeginTurn(id);
                        Apply(mapper.Map(Chunk("user_message_chunk", text)));
                    }

                    break;
                case "gemini":
                    foreach (var thought in TolerantJson.Array(message, "thoughts")?.OfType<JsonObject>() ?? [])
                    {
                        Apply(mapper.Map(Chunk("agent_thought_chunk", $"**{TolerantJson.String(thought, "subject")}**\n{TolerantJson.String(thought, "description")}")));
                    }

                    if (GeminiConversation.ContentText(message["content"]) is { Length: > 0 } answer)
                    {
                        Apply(mapper.Map(Chunk("agent_message_chunk", answer)));
                    }

                    foreach (var call in TolerantJson.Array(message, "toolCalls")?.OfType<JsonObject>() ?? [])
                    {
                        var callId = TolerantJson.String(call, "id") ?? "";
                        Apply(mapper.Map(new AcpSessionUpdate(conversation.SessionId, new JsonObject
                        {
                            ["sessionUpdate"] = "tool_call",
                            ["toolCallId"] = callId,
                            ["status"] = TolerantJson.String(call, "status") == "success" ? "completed" : "failed",
                            ["title"] = TolerantJson.String(call, "description") ?? TolerantJson.String(call, "displayName") ?? TolerantJson.String(call, "name"),
                        })));
                        Apply(mapper.ResolveToolResult(callId, GeminiToolCalls.Details(call)));
                    }

                    break;
                default:
                    Apply(mapper.CloseOpenBlock());
                    var notice = new SystemBlock
                    {
                        Id = id,
                        Timestamp = mapper.Timestamp ?? DateTimeOffset.UnixEpoch,
                        Subtype = type is "info" or "warning" or "error" ? type : "unknown_message",
                        Message = GeminiConversation.ContentText(message["content"]) is { Length: > 0 } content ? content : $"The Gemini CLI recorded a '{type}' message.",
                        Metadata = (JsonObject)message.DeepClone(),
                    };
                    Apply([new BlockStartEvent { ConversationId = Conversations.Main, Block = notice }, new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = id, Block = notice }]);
                    break;
            }
        }

        Apply(mapper.CloseOpenBlock());
        return new ParsedTranscript(projection.Blocks, []);
    }

    private static AcpSessionUpdate Chunk(string kind, string text) =>
        new(null, new JsonObject { ["sessionUpdate"] = kind, ["content"] = new JsonObject { ["type"] = "text", ["text"] = text } });

    private static DateTimeOffset? Timestamp(JsonObject message) =>
        TolerantJson.String(message, "timestamp") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime()
            : null;
}
