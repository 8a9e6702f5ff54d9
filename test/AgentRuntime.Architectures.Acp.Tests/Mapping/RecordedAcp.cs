using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Architectures.Acp.Protocol;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Acp.Tests.Mapping;

/// <summary>
/// ACP traffic of the real Gemini CLI 0.61.0, recorded against a scripted Gemini API (workspace
/// <c>/tmp/gprobe/gp2/workspace</c>, model pinned to <c>gemini-2.5-flash</c>). <c>new-session</c>: initialize,
/// session/new, a turn with a thought, text, a shell command that asked permission, then text; a second text turn.
/// <c>load-session</c>: the same session loaded in a new home, its history replayed, then one turn.
/// </summary>
internal static class RecordedAcp
{
    /// <summary>The lines the agent wrote, in order, and the ids of the client's <c>session/prompt</c> requests.</summary>
    public static (IReadOnlyList<JsonObject> AgentLines, HashSet<long> PromptIds) Read(string name)
    {
        var agent = new List<JsonObject>();
        var prompts = new HashSet<long>();
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"gemini-0.61.0-{name}.jsonl")).Where(l => l.Length > 0))
        {
            if (line.StartsWith(">> ", StringComparison.Ordinal))
            {
                var sent = JsonNode.Parse(line[3..])!.AsObject();
                if (sent["method"]?.GetValue<string>() == "session/prompt")
                {
                    prompts.Add(sent["id"]!.GetValue<long>());
                }
            }
            else
            {
                agent.Add(JsonNode.Parse(line)!.AsObject());
            }
        }

        return (agent, prompts);
    }

    /// <summary>
    /// Feeds the agent's lines to a mapper as a connection would: updates and permission requests (allowed) as they
    /// come, a prompt's answer ending its turn; the turns are named <c>t1</c>, <c>t2</c>, ...
    /// </summary>
    public static List<SessionEvent> Map(string name, AcpMapperOptions? options = null, TimeProvider? time = null)
    {
        var (lines, prompts) = Read(name);
        var mapper = new AcpUpdateMapper(time ?? TimeProvider.System, new SessionMetadata(), options ?? new AcpMapperOptions { ToolName = GeminiToolName });
        var events = new List<SessionEvent>();
        var turn = 1;
        mapper.BeginTurn("t1");
        foreach (var line in lines)
        {
            var method = line["method"]?.GetValue<string>();
            if (method == "session/update")
            {
                events.AddRange(mapper.Map(new AcpSessionUpdate(line["params"]!["sessionId"]!.GetValue<string>(), line["params"]!["update"]!.AsObject())));
            }
            else if (method == "session/request_permission")
            {
                var decision = new AcpPermissionPolicy(null).Decide(line["params"]);
                events.AddRange(mapper.Map(new AcpPermissionRequest(line["params"]!["toolCall"]!.AsObject(), decision)));
            }
            else if (method is null && line["id"] is { } id && prompts.Contains(id.GetValue<long>()))
            {
                events.AddRange(mapper.EndTurn(line["result"] as JsonObject).Events);
                mapper.BeginTurn($"t{++turn}");
            }
        }

        return events;
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

    // The Gemini CLI names its calls <tool>__<id>; the Gemini architecture supplies the same rule.
    public static string? GeminiToolName(JsonObject toolCall) =>
        toolCall["toolCallId"]?.GetValue<string>() is { } id && id.IndexOf("__", StringComparison.Ordinal) is > 0 and var end ? id[..end] : null;
}
