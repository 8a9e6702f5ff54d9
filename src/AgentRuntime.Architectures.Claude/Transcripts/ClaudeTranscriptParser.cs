using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Events;
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
/// which become blocks that keep the whole entry, are parsed into a node. Lines do not depend on each other until
/// they are mapped, so the files are read in parts of about <see cref="PartBytes"/> on every processor at once;
/// mapping, which does depend on the order, is one pass over what they gave.
/// </remarks>
internal static class ClaudeTranscriptParser
{
    private const int PartBytes = 1 << 20;

    public static ParsedTranscript Parse(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session)
    {
        var main = files.FirstOrDefault(f => FileName(f) == $"{session.SessionId}.jsonl" && !f.RelativePath.Contains("/subagents/", StringComparison.Ordinal));
        if (main is null)
        {
            return new ParsedTranscript([], []);
        }

        var subagentPrefix = $"/{session.SessionId}/subagents/";
        List<NativeTranscriptFile> transcripts =
            [main, .. files.Where(f => f.RelativePath.Contains(subagentPrefix, StringComparison.Ordinal) && f.RelativePath.EndsWith(".jsonl", StringComparison.Ordinal))];
        var sources = ReadAll(transcripts);

        // Each subagent file is the thread of the call named by its meta file, else by an Agent result that names
        // the subagent (in the main file or a file before it), else a thread of its own.
        var toolUseByAgent = ToolUseIdsByAgentId(sources[0]);
        for (var i = 1; i < transcripts.Count; i++)
        {
            var agentId = Path.GetFileNameWithoutExtension(FileName(transcripts[i])).Replace("agent-", "", StringComparison.Ordinal);
            var conversation = ToolUseIdFromMeta(files, transcripts[i]) ?? toolUseByAgent.GetValueOrDefault(agentId) ?? $"agent-{agentId}";
            foreach (var entry in sources[i])
            {
                entry.ParentToolUseId = conversation;
            }

            foreach (var (agent, toolUse) in ToolUseIdsByAgentId(sources[i]))
            {
                toolUseByAgent.TryAdd(agent, toolUse);
            }
        }

        var mapper = new StreamJsonMapper(time: null, session.Metadata);
        var projection = new ConversationProjection();
        var events = new List<SessionEvent>();
        foreach (var entry in MergeByTime(sources))
        {
            events.Clear();
            if (entry.Type == "system")
            {
                mapper.MapInto(StreamMessage(entry), events);
            }
            else
            {
                mapper.MapInto(entry, events);
            }

            foreach (var e in events)
            {
                projection.Apply(e);
            }
        }

        return new ParsedTranscript(projection.Blocks, projection.Subagents);
    }

    // The entries of each file, in order: the files cut into parts at line ends, the parts read in parallel.
    private static List<ClaudeEntry>[] ReadAll(List<NativeTranscriptFile> transcripts)
    {
        var parts = new List<(int File, ReadOnlyMemory<byte> Bytes)>();
        for (var file = 0; file < transcripts.Count; file++)
        {
            var content = transcripts[file].Content;
            for (var start = 0; start < content.Length;)
            {
                var end = Math.Min(start + PartBytes, content.Length);
                var lineEnd = end < content.Length ? content.AsSpan(end).IndexOf((byte)'\n') : -1;
                end = end == content.Length || lineEnd < 0 ? content.Length : end + lineEnd + 1;
                parts.Add((file, content.AsMemory(start, end - start)));
                start = end;
            }
        }

        var read = new List<ClaudeEntry>[parts.Count];
        Parallel.For(0, parts.Count, i => read[i] = ReadEntries(parts[i].Bytes, skipSidechain: parts[i].File == 0));
        var sources = new List<ClaudeEntry>[transcripts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            var file = parts[i].File;
            if (sources[file] is null)
            {
                sources[file] = read[i];
            }
            else
            {
                sources[file].AddRange(read[i]);
            }
        }

        for (var file = 0; file < sources.Length; file++)
        {
            sources[file] ??= [];
        }

        return sources;
    }

    private static List<ClaudeEntry> ReadEntries(ReadOnlyMemory<byte> bytes, bool skipSidechain)
    {
        var entries = new List<ClaudeEntry>();
        var rest = WellFormed(bytes);
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

            // The stream names these fields differently from the transcript; a subagent's file gives its thread later.
            entry.ParentToolUseId = null;
            if (entry.HasTranscriptToolUseResult)
            {
                entry.ToolUseResult = entry.TranscriptToolUseResult;
            }

            entries.Add(entry);
        }

        return entries;
    }

    // Bytes that are not UTF-8 read as U+FFFD, as they did when the transcript was decoded as a whole; the reader
    // would refuse them. Checking is cheap, and a transcript that needs the repair is rare. A part starts after a
    // line end, where no UTF-8 sequence can be cut, so repairing parts gives what repairing the whole file did.
    private static ReadOnlyMemory<byte> WellFormed(ReadOnlyMemory<byte> bytes) =>
        System.Text.Unicode.Utf8.IsValid(bytes.Span) ? bytes : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes.Span));

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
    // that subagent threads start in the order they did live: always the earliest of the files' next entries, and of
    // equal times the one of the earlier file.
    private static IEnumerable<ClaudeEntry> MergeByTime(List<ClaudeEntry>[] sources)
    {
        var positions = new int[sources.Length];
        var next = new PriorityQueue<int, (long Time, int File)>(sources.Length);
        for (var i = 0; i < sources.Length; i++)
        {
            if (sources[i].Count > 0)
            {
                next.Enqueue(i, (Time(sources[i][0]), i));
            }
        }

        while (next.TryDequeue(out var i, out _))
        {
            yield return sources[i][positions[i]++];
            if (positions[i] < sources[i].Count)
            {
                next.Enqueue(i, (Time(sources[i][positions[i]]), i));
            }
        }

        static long Time(ClaudeEntry entry) => (entry.Timestamp ?? DateTimeOffset.MinValue).UtcTicks;
    }

    // The Agent tool's result names the subagent it ran, linking the subagent's file to the call.
    private static Dictionary<string, string> ToolUseIdsByAgentId(List<ClaudeEntry> entries)
    {
        var map = new Dictionary<string, string>();
        foreach (var entry in entries)
        {
            if (entry.ToolUseResult?.AgentId is { } agentId
                && entry.ContentBlocks?.FirstOrDefault(b => b.Type == "tool_result") is { } result
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
            return meta is null ? null : TolerantJson.String(JsonNode.Parse(meta.Content), "toolUseId");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FileName(NativeTranscriptFile file) => file.RelativePath[(file.RelativePath.LastIndexOf('/') + 1)..];
}
