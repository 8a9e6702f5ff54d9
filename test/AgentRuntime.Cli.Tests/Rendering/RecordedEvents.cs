using System.Text.Json;
using AgentRuntime.Events;
using AgentRuntime.Serialization;

namespace AgentRuntime.Cli.Tests.Rendering;

/// <summary>
/// Event logs recorded from the real server running the real Claude Code CLI against the scripted model (one JSON event
/// per line, as <c>GET /api/sessions/{id}/events</c> gives them): a turn with thinking, text and two Bash calls (one
/// failing); a subagent; an approval denied; a turn that failed; a turn interrupted.
/// </summary>
internal static class RecordedEvents
{
    public static IReadOnlyList<SessionEvent> Load(string name) =>
        [.. File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Rendering", "Recorded", $"{name}.jsonl"))
            .Select(line => JsonSerializer.Deserialize(line, AgentRuntimeJsonContext.Default.SessionEvent)!)];
}
