using System.Text.Json.Nodes;

namespace AgentRuntime.Testing;

/// <summary>A request the <see cref="ScriptedModelServer"/> received, with its JSON body parsed.</summary>
public sealed record ModelRequest
{
    /// <summary>The HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>The path, without the query string.</summary>
    public required string Path { get; init; }

    /// <summary>The request headers (names compared case-insensitively; repeated values joined with a comma).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The JSON body, when there was one.</summary>
    public JsonObject? Body { get; init; }

    /// <summary>The requested model.</summary>
    public string? Model => Body?["model"]?.GetValue<string>();

    /// <summary>The system prompt's text blocks joined with newlines (the API takes a string or an array of blocks).</summary>
    public string System => Body?["system"] switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray blocks => string.Join("\n", blocks.Select(b => b?["text"]?.GetValue<string>()).OfType<string>()),
        _ => "",
    };

    /// <summary>The conversation so far, as the model sees it.</summary>
    public IReadOnlyList<JsonObject> Messages =>
        Body?["messages"] is JsonArray messages ? messages.OfType<JsonObject>().ToList() : [];

    /// <summary>The tools offered to the model.</summary>
    public IReadOnlyList<JsonObject> Tools =>
        Body?["tools"] is JsonArray tools ? tools.OfType<JsonObject>().ToList() : [];

    /// <summary>The names of the tools offered to the model.</summary>
    public IReadOnlyList<string> ToolNames => Tools.Select(t => t["name"]?.GetValue<string>()).OfType<string>().ToList();

    /// <summary>The <c>max_tokens</c> of the request.</summary>
    public int? MaxTokens => Body?["max_tokens"]?.GetValue<int>();

    /// <summary>Whether the answer is to be streamed as server-sent events.</summary>
    public bool Stream => Body?["stream"]?.GetValue<bool>() ?? false;

    /// <summary>Whether this is a messages request.</summary>
    public bool IsMessages => Method == "POST" && Path == "/v1/messages";

    /// <summary>
    /// Whether this request drives the conversation (main thread or a subagent) and takes its answer from the script.
    /// The CLI's own side requests (titles, summaries, quota checks) offer no tools; they get the auxiliary answer.
    /// </summary>
    public bool IsConversation => IsMessages && Tools.Count > 0;

    /// <summary>
    /// Whether a subagent sent it. Claude Code marks its subagent requests with <c>cc_is_subagent=true</c> in the
    /// billing line at the top of the system prompt.
    /// </summary>
    public bool IsSubagent => System.Contains("cc_is_subagent=true", StringComparison.Ordinal);

    /// <summary>The text of every text block of every message with the given role, in order.</summary>
    public IReadOnlyList<string> TextsOf(string role) =>
        Messages.Where(m => m["role"]?.GetValue<string>() == role).SelectMany(TextsOfMessage).ToList();

    /// <summary>The text the user last wrote (the last text block of the last user message that has one).</summary>
    public string? LastUserText =>
        Messages.Where(m => m["role"]?.GetValue<string>() == "user")
            .Select(m => TextsOfMessage(m).LastOrDefault(t => !t.StartsWith("<system-reminder>", StringComparison.Ordinal)))
            .LastOrDefault(t => t is not null);

    /// <summary>The tool results of the last message, which answer the previous reply's tool calls.</summary>
    public IReadOnlyList<JsonObject> LastToolResults =>
        Messages.LastOrDefault(m => m["role"]?.GetValue<string>() == "user")?["content"] is JsonArray content
            ? content.OfType<JsonObject>().Where(b => b["type"]?.GetValue<string>() == "tool_result").ToList()
            : [];

    /// <summary>Whether any message contains <paramref name="text"/> anywhere in its JSON.</summary>
    public bool MessagesContain(string text) => Messages.Any(m => m.ToJsonString().Contains(text, StringComparison.Ordinal));

    private static IEnumerable<string> TextsOfMessage(JsonObject message) => message["content"] switch
    {
        JsonValue value => [value.GetValue<string>()],
        JsonArray blocks => blocks.OfType<JsonObject>()
            .Where(b => b["type"]?.GetValue<string>() == "text")
            .Select(b => b["text"]?.GetValue<string>())
            .OfType<string>(),
        _ => [],
    };
}
