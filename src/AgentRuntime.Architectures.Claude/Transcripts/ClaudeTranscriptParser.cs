using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures.Claude.Transcripts;

/// <summary>
/// Rebuilds a session's blocks from Claude Code's JSONL transcripts. Transcript entries of the dialogue
/// (<c>user</c>, <c>assistant</c>, <c>system</c>) have the shape of the stream-json messages they were streamed as, so
/// they go through the same <see cref="StreamJsonMapper"/> and are folded by a <see cref="ConversationProjection"/>:
/// the blocks, their ids and their order are those the live stream gave. Entries that are the CLI's bookkeeping
/// (attachments, queue operations, API request records, cost state, ...) never reached the stream and are skipped,
/// as are the stream's own <c>system</c> init and status messages, which are never recorded.
/// </summary>
internal static class ClaudeTranscriptParser
{
    private static readonly HashSet<string> DialogueTypes = ["user", "assistant", "system"];

    public static ParsedTranscript Parse(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session)
    {
        var main = files.FirstOrDefault(f => FileName(f) == $"{session.SessionId}.jsonl" && !f.RelativePath.Contains("/subagents/", StringComparison.Ordinal));
        if (main is null)
        {
            return new ParsedTranscript([], []);
        }

        var mainEntries = ReadEntries(main, conversation: null).Where(e => ClaudeJson.Bool(e, "isSidechain") != true).ToList();
        var sources = new List<List<JsonObject>> { mainEntries };
        var toolUseByAgent = ToolUseIdsByAgentId(mainEntries);
        var subagentPrefix = $"/{session.SessionId}/subagents/";
        foreach (var file in files.Where(f => f.RelativePath.Contains(subagentPrefix, StringComparison.Ordinal) && f.RelativePath.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            var agentId = Path.GetFileNameWithoutExtension(FileName(file)).Replace("agent-", "", StringComparison.Ordinal);
            var conversation = ToolUseIdFromMeta(files, file) ?? toolUseByAgent.GetValueOrDefault(agentId) ?? $"agent-{agentId}";
            var entries = ReadEntries(file, conversation).ToList();
            sources.Add(entries);
            foreach (var (agent, toolUse) in ToolUseIdsByAgentId(entries))
            {
                toolUseByAgent.TryAdd(agent, toolUse);
            }
        }

        var mapper = new StreamJsonMapper(time: null, session.Metadata);
        var projection = new ConversationProjection();
        foreach (var entry in MergeByTime(sources))
        {
            foreach (var e in mapper.Map(entry).Events)
            {
                projection.Apply(e);
            }
        }

        return new ParsedTranscript(projection.Blocks, projection.Subagents);
    }

    private static IEnumerable<JsonObject> ReadEntries(NativeTranscriptFile file, string? conversation)
    {
        using var reader = new StringReader(Encoding.UTF8.GetString(file.Content));
        while (reader.ReadLine() is { } text)
        {
            JsonObject? entry;
            try
            {
                entry = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                // A line cut short by a crash mid-write; the rest of the transcript still reads.
                continue;
            }

            if (entry is null || !DialogueTypes.Contains(ClaudeJson.String(entry, "type") ?? ""))
            {
                continue;
            }

            // The stream names these fields differently from the transcript.
            entry["parent_tool_use_id"] = conversation;
            if (entry["toolUseResult"] is { } toolUseResult)
            {
                entry.Remove("toolUseResult");
                entry["tool_use_result"] = toolUseResult;
            }

            yield return entry;
        }
    }

    // Interleaves the files by time, each file's own order kept (its timestamps are not strictly monotonic), so
    // that subagent threads start in the order they did live.
    private static IEnumerable<JsonObject> MergeByTime(List<List<JsonObject>> sources)
    {
        var positions = new int[sources.Count];
        while (true)
        {
            var next = -1;
            DateTimeOffset? earliest = null;
            for (var i = 0; i < sources.Count; i++)
            {
                if (positions[i] >= sources[i].Count)
                {
                    continue;
                }

                var time = ClaudeJson.Timestamp(sources[i][positions[i]]) ?? DateTimeOffset.MinValue;
                if (earliest is null || time < earliest)
                {
                    (next, earliest) = (i, time);
                }
            }

            if (next < 0)
            {
                yield break;
            }

            yield return sources[next][positions[next]++];
        }
    }

    // The Agent tool's result names the subagent it ran, linking the subagent's file to the call.
    private static Dictionary<string, string> ToolUseIdsByAgentId(IEnumerable<JsonObject> entries)
    {
        var map = new Dictionary<string, string>();
        foreach (var entry in entries)
        {
            if (ClaudeJson.String(entry["tool_use_result"], "agentId") is { } agentId
                && ClaudeJson.Array(ClaudeJson.Object(entry, "message"), "content")?.OfType<JsonObject>()
                    .FirstOrDefault(b => ClaudeJson.String(b, "type") == "tool_result") is { } result
                && ClaudeJson.String(result, "tool_use_id") is { } toolUseId)
            {
                map.TryAdd(agentId, toolUseId);
            }
        }

        return map;
    }

    private static string? ToolUseIdFromMeta(IReadOnlyList<NativeTranscriptFile> files, NativeTranscriptFile transcript)
    {
        var metaPath = transcript.RelativePath[..^".jsonl".Length] + ".meta.json";
        var meta = files.FirstOrDefault(f => f.RelativePath == metaPath);
        try
        {
            return meta is null ? null : ClaudeJson.String(JsonNode.Parse(meta.Content), "toolUseId");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FileName(NativeTranscriptFile file) => file.RelativePath[(file.RelativePath.LastIndexOf('/') + 1)..];
}
