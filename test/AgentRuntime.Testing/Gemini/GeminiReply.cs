using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Testing.Gemini;

/// <summary>
/// One scripted answer of the <see cref="ScriptedGeminiServer"/>: the parts of a model turn (text, thoughts, function
/// calls), its usage and how fast it streams. Built fluently:
/// <c>GeminiReply.Shell("ls").WithText("Let me look").WithThought("Listing")</c>.
/// </summary>
public sealed record GeminiReply
{
    /// <summary>The parts of the model's content, in order.</summary>
    public IReadOnlyList<GeminiReplyPart> Parts { get; init; } = [];

    /// <summary>Token usage reported in the last chunk.</summary>
    public GeminiUsage Usage { get; init; } = new();

    /// <summary>Pause before each streamed chunk, so a test can observe a reply mid-way.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>How many chunks each text part is cut into (3 by default: enough that a client must assemble them).</summary>
    public int Pieces { get; init; } = 3;

    /// <summary>When set, the server answers with this HTTP error instead of content.</summary>
    public GeminiReplyError? Error { get; init; }

    /// <summary>A reply of one text part.</summary>
    public static GeminiReply Text(string text) => new() { Parts = [new GeminiTextPart(text)] };

    /// <summary>A reply calling one function (tool). <paramref name="args"/> is serialized as JSON (an anonymous object is fine).</summary>
    public static GeminiReply FunctionCall(string name, object args) => new() { Parts = [new GeminiFunctionCallPart(name, ToJsonObject(args))] };

    /// <summary>A reply running a shell command with the Gemini CLI's <c>run_shell_command</c> tool.</summary>
    public static GeminiReply Shell(string command, string? description = null) =>
        FunctionCall("run_shell_command", description is null ? new { command } : new { command, description });

    /// <summary>An HTTP error answer; 400 is not retried by the CLI.</summary>
    public static GeminiReply Fail(string message, int status = 400, string code = "INVALID_ARGUMENT") =>
        new() { Error = new GeminiReplyError(status, code, message) };

    /// <summary>Adds a text part before the function calls (where a model writes it).</summary>
    public GeminiReply WithText(string text) => Insert(new GeminiTextPart(text), before: p => p is GeminiFunctionCallPart);

    /// <summary>Adds a thought part before everything else: <c>**subject**</c> then the description, as Gemini writes thoughts.</summary>
    public GeminiReply WithThought(string subject, string description = "") =>
        Insert(new GeminiThoughtPart($"**{subject}**\n{description}".TrimEnd()), before: _ => true);

    /// <summary>Adds another function call at the end.</summary>
    public GeminiReply AndFunctionCall(string name, object args) => this with { Parts = [.. Parts, new GeminiFunctionCallPart(name, ToJsonObject(args))] };

    /// <summary>Sets the reported usage.</summary>
    public GeminiReply WithUsage(int promptTokens, int candidatesTokens) => this with { Usage = new GeminiUsage(promptTokens, candidatesTokens) };

    /// <summary>Sets the pause before each streamed chunk.</summary>
    public GeminiReply WithChunkDelay(TimeSpan delay) => this with { ChunkDelay = delay };

    /// <summary>Sets how many chunks each text part is cut into.</summary>
    public GeminiReply WithPieces(int pieces) => this with { Pieces = pieces };

    private GeminiReply Insert(GeminiReplyPart part, Func<GeminiReplyPart, bool> before)
    {
        var list = Parts.ToList();
        var index = list.FindIndex(p => before(p));
        list.Insert(index < 0 ? list.Count : index, part);
        return this with { Parts = list };
    }

    private static JsonObject ToJsonObject(object args) => args switch
    {
        JsonObject node => (JsonObject)node.DeepClone(),
        string json => JsonNode.Parse(json)!.AsObject(),
        _ => JsonSerializer.SerializeToNode(args)!.AsObject(),
    };
}

/// <summary>Token usage of a scripted reply, as <c>usageMetadata</c> reports it.</summary>
/// <param name="PromptTokens"><c>promptTokenCount</c>.</param>
/// <param name="CandidatesTokens"><c>candidatesTokenCount</c>.</param>
public sealed record GeminiUsage(int PromptTokens = 10, int CandidatesTokens = 5);

/// <summary>An HTTP error the server answers with.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Code">The API's status name, such as <c>INVALID_ARGUMENT</c>.</param>
/// <param name="Message">The error message.</param>
public sealed record GeminiReplyError(int Status, string Code, string Message);

/// <summary>A part of a scripted model turn.</summary>
public abstract record GeminiReplyPart;

/// <summary>Text, streamed in pieces.</summary>
/// <param name="Text">The text.</param>
public sealed record GeminiTextPart(string Text) : GeminiReplyPart;

/// <summary>A thought (<c>thought: true</c>), sent in one chunk as the API does.</summary>
/// <param name="Text">The thought's text.</param>
public sealed record GeminiThoughtPart(string Text) : GeminiReplyPart;

/// <summary>A function call, sent whole in one chunk as the API does.</summary>
/// <param name="Name">The function (tool) name.</param>
/// <param name="Args">Its arguments.</param>
public sealed record GeminiFunctionCallPart(string Name, JsonObject Args) : GeminiReplyPart;
