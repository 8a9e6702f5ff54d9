using System.Text.Json;
using System.Text.Json.Nodes;

// The parts of a Claude entry live together: each is a few fields, read by one reader (ClaudeEntryReader).
namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>
/// A Claude Code <c>user</c> or <c>assistant</c> message (a stream-json line or a transcript entry) with what the mapper
/// reads from it, read once from its UTF-8 JSON by <see cref="ClaudeEntryReader"/>. Fields hold what the tolerant
/// <see cref="ClaudeJson"/> readers would give: a field of an unexpected kind is absent. The rest of the message is
/// skipped, not kept; <see cref="Json"/> is the whole message for what needs it as JSON.
/// </summary>
internal sealed class ClaudeEntry
{
    public string? Type { get; set; }

    public string? Uuid { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public bool? IsSidechain { get; set; }

    public bool? IsMeta { get; set; }

    public long? ApiBlockIndex { get; set; }

    /// <summary>The subagent's tool call (stream-json); a transcript parser sets it from the file the entry is in.</summary>
    public string? ParentToolUseId { get; set; }

    // The message's fields; absent, as the mapper always read them, when the message is not an object.

    /// <summary><c>message.id</c>.</summary>
    public string? MessageId { get; set; }

    /// <summary><c>message.model</c>.</summary>
    public string? Model { get; set; }

    /// <summary><c>message.content</c>, when it is a string.</summary>
    public string? ContentText { get; set; }

    /// <summary>
    /// <c>message.content</c>'s blocks, when it is an array: its objects, in order (anything else in it is skipped, as
    /// the mapper always did).
    /// </summary>
    public ClaudeBlock[]? ContentBlocks { get; set; }

    /// <summary>
    /// The tool's structured result, when it is an object: <c>tool_use_result</c> in stream-json; a transcript
    /// parser sets it from <see cref="TranscriptToolUseResult"/>.
    /// </summary>
    public ClaudeToolUseResult? ToolUseResult { get; set; }

    /// <summary>Whether <c>toolUseResult</c> (the transcript's name) is there and not <c>null</c>, whatever its kind.</summary>
    public bool HasTranscriptToolUseResult { get; set; }

    /// <summary><c>toolUseResult</c>, when it is an object.</summary>
    public ClaudeToolUseResult? TranscriptToolUseResult { get; set; }

    /// <summary>The whole message as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Json { get; set; }

    /// <summary>The whole message as a JSON object, parsed again; for the rare messages kept whole.</summary>
    public JsonObject ToNode() => (JsonObject)JsonNode.Parse(Json.Span)!;

    /// <summary>This entry with every field unset, to be read into again.</summary>
    public ClaudeEntry Cleared()
    {
        (Type, Uuid, Timestamp, IsSidechain, IsMeta, ApiBlockIndex, ParentToolUseId) = (null, null, null, null, null, null, null);
        (MessageId, Model, ContentText, ContentBlocks) = (null, null, null, null);
        (ToolUseResult, HasTranscriptToolUseResult, TranscriptToolUseResult, Json) = (null, false, null, default);
        return this;
    }
}

/// <summary>
/// A content block of a message: text, thinking, a tool call, a tool result, an image, ... with the fields of every
/// kind it might be (a block's <c>type</c> may come after them).
/// </summary>
internal sealed class ClaudeBlock
{
    public string? Type { get; set; }

    /// <summary><c>text</c> of a text block.</summary>
    public string? Text { get; set; }

    /// <summary><c>thinking</c> of a thinking block.</summary>
    public string? Thinking { get; set; }

    /// <summary><c>id</c> of a tool call.</summary>
    public string? Id { get; set; }

    /// <summary><c>name</c> of a tool call.</summary>
    public string? Name { get; set; }

    /// <summary><c>input</c> of a tool call, when it is an object: parsed once, owned by the block.</summary>
    public JsonElement? Input { get; set; }

    /// <summary><c>tool_use_id</c> of a tool result.</summary>
    public string? ToolUseId { get; set; }

    /// <summary><c>is_error</c> of a tool result.</summary>
    public bool? IsError { get; set; }

    /// <summary>A tool result's <c>content</c> as text (<see cref="ClaudeContent.ToolResultText(JsonNode?)"/>).</summary>
    public string ResultText { get; set; } = "";

    /// <summary>The block as UTF-8 JSON (a slice of its message's); empty for a block made up from a string content.</summary>
    public ReadOnlyMemory<byte> Json { get; set; }

    /// <summary>The block as a JSON object, parsed again; for the rare blocks shown as JSON.</summary>
    public JsonObject ToNode() => (JsonObject)JsonNode.Parse(Json.Span)!;
}

/// <summary>What the mapper reads of a tool's structured result: the subagent it ran and, for the Agent tool, its report.</summary>
internal sealed class ClaudeToolUseResult
{
    public string? AgentId { get; set; }

    public long? HarnessNoteCount { get; set; }

    public long? HarnessTailCount { get; set; }

    /// <summary><c>content</c> as UTF-8 JSON, when it is an array; read only when the result is a subagent's.</summary>
    public ReadOnlyMemory<byte>? Content { get; set; }
}
