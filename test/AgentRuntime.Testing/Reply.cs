using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Testing;

/// <summary>
/// One scripted answer of the <see cref="ScriptedModelServer"/>: the content blocks of an assistant message, its usage
/// and how fast it streams. Built fluently: <c>Reply.ToolUse("Bash", new { command = "ls" }).WithText("Let me look")</c>.
/// </summary>
public sealed record Reply
{
    /// <summary>The assistant message's content blocks, in order.</summary>
    public IReadOnlyList<ReplyContent> Content { get; init; } = [];

    /// <summary>Token usage reported for the message.</summary>
    public ReplyUsage Usage { get; init; } = new();

    /// <summary>Pause before each streamed chunk, so a test can observe a reply mid-way.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>
    /// How many pieces each streamed block is cut into: enough by default (3) that a client must assemble them, few
    /// enough to keep tests fast.
    /// </summary>
    public int Pieces { get; init; } = 3;

    /// <summary>The stop reason; <c>tool_use</c> when the content holds a tool call, else <c>end_turn</c>.</summary>
    public string? StopReason { get; init; }

    /// <summary>The model named in the answer; the requested model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>When set, the server answers with this HTTP error instead of a message.</summary>
    public ReplyError? Error { get; init; }

    /// <summary>A reply of one text block.</summary>
    public static Reply Text(string text) => new() { Content = [new TextContent(text)] };

    /// <summary>A reply of one thinking block (with a signature, as the API sends).</summary>
    public static Reply Thinking(string thinking, string signature = "scripted-signature") =>
        new() { Content = [new ThinkingContent(thinking, signature)] };

    /// <summary>A reply calling one tool. <paramref name="input"/> is serialized as JSON (an anonymous object is fine).</summary>
    public static Reply ToolUse(string name, object input, string? id = null) =>
        new() { Content = [new ToolUseContent(id ?? NewToolUseId(), name, ToJsonObject(input))] };

    /// <summary>A reply starting a subagent through Claude Code's <c>Agent</c> tool.</summary>
    public static Reply Agent(string prompt, string description = "Scripted task", string subagentType = "general-purpose", string? id = null) =>
        ToolUse("Agent", new { description, prompt, subagent_type = subagentType }, id);

    /// <summary>An HTTP error answer, such as a 400 <c>invalid_request_error</c> that the CLI does not retry.</summary>
    public static Reply Fail(string message, int status = 400, string type = "invalid_request_error") =>
        new() { Error = new ReplyError(status, type, message) };

    /// <summary>Adds a text block before the tool calls (where a model writes it).</summary>
    public Reply WithText(string text) => Insert(new TextContent(text), before: c => c is ToolUseContent);

    /// <summary>Adds a thinking block before everything else.</summary>
    public Reply WithThinking(string thinking, string signature = "scripted-signature") =>
        Insert(new ThinkingContent(thinking, signature), before: _ => true);

    /// <summary>Adds another tool call at the end.</summary>
    public Reply AndToolUse(string name, object input, string? id = null) =>
        this with { Content = [.. Content, new ToolUseContent(id ?? NewToolUseId(), name, ToJsonObject(input))] };

    /// <summary>Sets the reported usage.</summary>
    public Reply WithUsage(int inputTokens, int outputTokens, int cacheCreationInputTokens = 0, int cacheReadInputTokens = 0) =>
        this with { Usage = new ReplyUsage(inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens) };

    /// <summary>Sets the pause before each streamed chunk.</summary>
    public Reply WithChunkDelay(TimeSpan delay) => this with { ChunkDelay = delay };

    /// <summary>Sets how many pieces each streamed block is cut into.</summary>
    public Reply WithPieces(int pieces) => this with { Pieces = pieces };

    /// <summary>Names a model in the answer.</summary>
    public Reply WithModel(string model) => this with { Model = model };

    /// <summary>The stop reason the answer reports.</summary>
    public string EffectiveStopReason => StopReason ?? (Content.Any(c => c is ToolUseContent) ? "tool_use" : "end_turn");

    private Reply Insert(ReplyContent content, Func<ReplyContent, bool> before)
    {
        var list = Content.ToList();
        var index = list.FindIndex(c => before(c));
        list.Insert(index < 0 ? list.Count : index, content);
        return this with { Content = list };
    }

    private static string NewToolUseId() => "toolu_" + Guid.NewGuid().ToString("N")[..24];

    private static JsonObject ToJsonObject(object input) => input switch
    {
        JsonObject node => (JsonObject)node.DeepClone(),
        JsonElement element => JsonNode.Parse(element.GetRawText())!.AsObject(),
        string json => JsonNode.Parse(json)!.AsObject(),
        _ => JsonSerializer.SerializeToNode(input)!.AsObject(),
    };
}

/// <summary>Token usage of a scripted reply.</summary>
/// <param name="InputTokens">Input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="CacheCreationInputTokens">Input tokens written to the cache.</param>
/// <param name="CacheReadInputTokens">Input tokens read from the cache.</param>
public sealed record ReplyUsage(int InputTokens = 10, int OutputTokens = 5, int CacheCreationInputTokens = 0, int CacheReadInputTokens = 0);

/// <summary>An HTTP error the server answers with.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Type">The API error type, such as <c>invalid_request_error</c>.</param>
/// <param name="Message">The error message.</param>
public sealed record ReplyError(int Status, string Type, string Message);

/// <summary>A content block of a scripted reply.</summary>
public abstract record ReplyContent;

/// <summary>A text block, streamed as <c>text_delta</c> chunks.</summary>
/// <param name="Text">The text.</param>
public sealed record TextContent(string Text) : ReplyContent;

/// <summary>A thinking block, streamed as <c>thinking_delta</c> chunks and a <c>signature_delta</c>.</summary>
/// <param name="Thinking">The reasoning text.</param>
/// <param name="Signature">The signature.</param>
public sealed record ThinkingContent(string Thinking, string Signature) : ReplyContent;

/// <summary>A tool call, its input streamed as <c>input_json_delta</c> pieces.</summary>
/// <param name="Id">The tool_use id.</param>
/// <param name="Name">The tool's name.</param>
/// <param name="Input">The tool's input.</param>
public sealed record ToolUseContent(string Id, string Name, JsonObject Input) : ReplyContent;
