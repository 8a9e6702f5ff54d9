using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Claude.Tests.Fixtures;

/// <summary>
/// Output of the real Claude Code 2.1.330, recorded against a scripted model with the architecture's flags. The
/// <c>Conversation</c> session (id 11111111-2222-3333-4444-555555555555, workspace <c>/tmp/probe/ws</c>) has three
/// turns: thinking, text, Bash and Write calls; an Agent call whose subagent runs Bash; a Bash call that fails.
/// <c>ApiError</c> is a turn whose model requests keep failing with 400; <c>Interrupt</c> a turn interrupted (with a
/// control request) during a Bash call, then a turn answered normally.
/// </summary>
internal static class RecordedOutput
{
    public const string ConversationSessionId = "11111111-2222-3333-4444-555555555555";
    public const string ConversationWorkspace = "/tmp/probe/ws";

    public static IReadOnlyList<JsonObject> StreamLines(string scenario) =>
        File.ReadAllLines(PathOf(scenario, "stream.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToList();

    /// <summary>The conversation's transcript files with the paths the CLI gave them under its home.</summary>
    public static IReadOnlyList<NativeTranscriptFile> ConversationTranscript()
    {
        var project = ".claude/projects/-tmp-probe-ws";
        var directory = Path.GetDirectoryName(PathOf("Conversation", "main.jsonl"))!;
        var files = new List<NativeTranscriptFile> { new($"{project}/{ConversationSessionId}.jsonl", File.ReadAllBytes(Path.Combine(directory, "main.jsonl"))) };
        foreach (var path in Directory.GetFiles(directory, "agent-*"))
        {
            files.Add(new NativeTranscriptFile($"{project}/{ConversationSessionId}/subagents/{Path.GetFileName(path)}", File.ReadAllBytes(path)));
        }

        return files;
    }

    public static SessionRecord Session(string sessionId = ConversationSessionId) => new()
    {
        SessionId = sessionId,
        Architecture = "claude-agent-sdk",
        AgentProfileRef = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastActivity = DateTimeOffset.UnixEpoch,
    };

    /// <summary>Maps every line with a fresh mapper.</summary>
    public static List<SessionEvent> Map(IEnumerable<JsonObject> lines, TimeProvider? time = null)
    {
        var mapper = new StreamJsonMapper(time ?? TimeProvider.System, new SessionMetadata());
        return lines.SelectMany(l => mapper.Map(l).Events).ToList();
    }

    public static ConversationProjection Project(IEnumerable<SessionEvent> events)
    {
        var projection = new ConversationProjection();
        foreach (var e in events)
        {
            projection.Apply(e);
        }

        return projection;
    }

    /// <summary>A block in its wire shape, for comparing blocks whose JSON members records do not compare by value.</summary>
    public static string Json(ConversationBlock block) => JsonSerializer.Serialize(block, AgentRuntimeJsonContext.Default.ConversationBlock);

    private static string PathOf(string scenario, string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", scenario, file);
}
