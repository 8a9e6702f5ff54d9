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
/// <remarks>
/// A transcript can hold tens of megabytes, and it is read whenever a session is imported, so it is read as a stream:
/// each line is read in place from the file's bytes by a <see cref="ClaudeEntryReader"/>, which stops at a
/// bookkeeping entry's <c>type</c> and builds nothing of what the mapper does not use. Only <c>system</c> entries,
/// which become blocks that keep the whole entry, are parsed into a node.
/// </remarks>
internal static class ClaudeTranscriptParser
{
    public static ParsedTranscript Parse(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session)
    {
        var main = files.FirstOrDefault(f => FileName(f) == $"{session.SessionId}.jsonl" && !f.RelativePath.Contains("/subagents/", StringComparison.Ordinal));
        if (main is null)
        {
            return new ParsedTranscript([], []);
        }

        var mainEntries = ReadEntries(main, conversation: null, skipSidechain: true);
        var sources = new List<List<ClaudeEntry>> { mainEntries };
        var toolUseByAgent = ToolUseIdsByAgentId(mainEntries);
        var subagentPrefix = $"/{session.SessionId}/subagents/";
        foreach (var file in files.Where(f => f.RelativePath.Contains(subagentPrefix, StringComparison.Ordinal) && f.RelativePath.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            var agentId = Path.GetFileNameWithoutExtension(FileName(file)).Replace("agent-", "", StringComparison.Ordinal);
            var conversation = ToolUseIdFromMeta(files, file) ?? toolUseByAgent.GetValueOrDefault(agentId) ?? $"agent-{agentId}";
            var entries = ReadEntries(file, conversation, skipSidechain: false);
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
            var mapped = entry.Type == "system" ? mapper.Map(StreamMessage(entry)) : mapper.Map(entry);
            foreach (var e in mapped.Events)
            {
                projection.Apply(e);
            }
        }

        return new ParsedTranscript(projection.Blocks, projection.Subagents);
    }

    private static List<ClaudeEntry> ReadEntries(NativeTranscriptFile file, string? conversation, bool skipSidechain)
    {
        var entries = new List<ClaudeEntry>();
        var rest = WellFormed(file.Content);
        while (!rest.IsEmpty)
        {
            // Lines end at \n, \r or \r\n, as StringReader.ReadLine has them; a JSON line holds neither unescaped.
            var end = rest.Span.IndexOfAny((byte)'\n', (byte)'\r');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];

            // A line cut short by a crash mid-write reads as null; the rest of the transcript still reads.
            if (line.IsEmpty || ClaudeEntryReader.Read(line, dialogueOnly: true) is not { } entry || (skipSidechain && entry.IsSidechain == true))
            {
                continue;
            }

            // The stream names these fields differently from the transcript.
            entry.ParentToolUseId = conversation;
            if (entry.HasTranscriptToolUseResult)
            {
                entry.ToolUseResult = entry.TranscriptToolUseResult;
            }

            entries.Add(entry);
        }

        return entries;
    }

    // Bytes that are not UTF-8 read as U+FFFD, as they did when the transcript was decoded as a whole; the reader
    // would refuse them. Checking is cheap, and a transcript that needs the repair is rare.
    private static ReadOnlyMemory<byte> WellFormed(byte[] content) =>
        System.Text.Unicode.Utf8.IsValid(content) ? content : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content));

    // A system entry becomes a block that keeps the whole message, under the stream's names.
    private static JsonObject StreamMessage(ClaudeEntry entry)
    {
        var message = entry.ToNode();
        message["parent_tool_use_id"] = entry.ParentToolUseId;
        if (message["toolUseResult"] is { } toolUseResult)
        {
            message.Remove("toolUseResult");
            message["tool_use_result"] = toolUseResult;
        }

        return message;
    }

    // Interleaves the files by time, each file's own order kept (its timestamps are not strictly monotonic), so
    // that subagent threads start in the order they did live.
    private static IEnumerable<ClaudeEntry> MergeByTime(List<List<ClaudeEntry>> sources)
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

                var time = sources[i][positions[i]].Timestamp ?? DateTimeOffset.MinValue;
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
    private static Dictionary<string, string> ToolUseIdsByAgentId(List<ClaudeEntry> entries)
    {
        var map = new Dictionary<string, string>();
        foreach (var entry in entries)
        {
            if (entry.ToolUseResult?.AgentId is { } agentId
                && entry.Message?.ContentBlocks?.FirstOrDefault(b => b.Type == "tool_result") is { } result
                && result.ToolUseId is { } toolUseId)
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
