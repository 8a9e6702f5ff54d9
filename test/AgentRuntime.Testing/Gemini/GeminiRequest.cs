using System.Text.Json.Nodes;

namespace AgentRuntime.Testing.Gemini;

/// <summary>A request the <see cref="ScriptedGeminiServer"/> received, with its JSON body parsed.</summary>
public sealed record GeminiRequest
{
    /// <summary>The HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>The path, without the query string, such as <c>/v1beta/models/gemini-2.5-flash:streamGenerateContent</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The query string, such as <c>?alt=sse</c>.</summary>
    public required string Query { get; init; }

    /// <summary>The request headers (names compared case-insensitively).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The JSON body, when there was one.</summary>
    public JsonObject? Body { get; init; }

    /// <summary>The model named in the path (<c>models/{model}:method</c>).</summary>
    public string? Model => ModelAndMethod().Model;

    /// <summary>The API method named in the path, such as <c>streamGenerateContent</c>.</summary>
    public string? ApiMethod => ModelAndMethod().Method;

    /// <summary>Whether the answer is streamed (<c>streamGenerateContent</c>).</summary>
    public bool IsStream => ApiMethod == "streamGenerateContent";

    /// <summary>Whether this asks for content (streamed or not).</summary>
    public bool IsGenerate => ApiMethod is "streamGenerateContent" or "generateContent";

    /// <summary>
    /// Whether this request drives the conversation and takes its answer from the script: a content request that
    /// offers tools. The CLI's side requests (model routing, checks) offer none; they get the auxiliary answer.
    /// </summary>
    public bool IsConversation => IsGenerate && Tools.Count > 0;

    /// <summary>The conversation so far, as the model sees it.</summary>
    public IReadOnlyList<JsonObject> Contents => Body?["contents"] is JsonArray contents ? contents.OfType<JsonObject>().ToList() : [];

    /// <summary>The function declarations offered to the model.</summary>
    public IReadOnlyList<JsonObject> Tools =>
        Body?["tools"] is JsonArray tools
            ? tools.OfType<JsonObject>().SelectMany(t => t["functionDeclarations"] as JsonArray ?? []).OfType<JsonObject>().ToList()
            : [];

    /// <summary>The names of the tools offered to the model.</summary>
    public IReadOnlyList<string> ToolNames => Tools.Select(t => t["name"]?.GetValue<string>()).OfType<string>().ToList();

    /// <summary>The system instruction's text parts joined with newlines.</summary>
    public string SystemInstruction => Body?["systemInstruction"]?["parts"] is JsonArray parts
        ? string.Join("\n", parts.Select(p => p?["text"]?.GetValue<string>()).OfType<string>())
        : "";

    /// <summary>The text of every text part (thoughts excluded) of every content with the given role (<c>user</c> or <c>model</c>), in order.</summary>
    public IReadOnlyList<string> TextsOf(string role) =>
        Contents.Where(c => c["role"]?.GetValue<string>() == role).SelectMany(TextsOfContent).ToList();

    /// <summary>The text the user last wrote: the last text part of a user content that is not the CLI's session context.</summary>
    public string? LastUserText => TextsOf("user").LastOrDefault(t => !t.StartsWith("<session_context>", StringComparison.Ordinal));

    /// <summary>Every <c>functionResponse</c> part sent to the model, in order.</summary>
    public IReadOnlyList<JsonObject> FunctionResponses =>
        Contents.SelectMany(c => c["parts"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(p => p["functionResponse"] as JsonObject).OfType<JsonObject>().ToList();

    /// <summary>Whether any content contains <paramref name="text"/> anywhere in its JSON.</summary>
    public bool ContentsContain(string text) => Contents.Any(c => c.ToJsonString().Contains(text, StringComparison.Ordinal));

    private static IEnumerable<string> TextsOfContent(JsonObject content) =>
        (content["parts"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["thought"]?.GetValue<bool>() != true)
            .Select(p => p["text"]?.GetValue<string>())
            .OfType<string>();

    private (string? Model, string? Method) ModelAndMethod()
    {
        var index = Path.IndexOf("/models/", StringComparison.Ordinal);
        if (index < 0)
        {
            return (null, null);
        }

        var rest = Path[(index + "/models/".Length)..];
        var colon = rest.LastIndexOf(':');
        return colon < 0 ? (rest, null) : (rest[..colon], rest[(colon + 1)..]);
    }
}
