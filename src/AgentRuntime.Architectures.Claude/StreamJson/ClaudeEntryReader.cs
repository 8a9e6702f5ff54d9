using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>
/// Reads a Claude Code message into a <see cref="ClaudeEntry"/> in one pass of a <see cref="Utf8JsonReader"/> over its
/// UTF-8 bytes: the fields the mapper needs are read (strings once, a tool call's input as one
/// <see cref="JsonElement"/>), everything else is skipped without being built. What it gives is what the
/// <see cref="ClaudeJson"/> readers gave on a <see cref="JsonNode"/> of the same message, which the tests hold it to.
/// </summary>
internal static partial class ClaudeEntryReader
{
    private static readonly JsonWriterOptions NodeWriting = new() { SkipValidation = true };

    [ThreadStatic]
    private static ClaudeEntry? t_spare;

    // The message id is the same on each line of a message (one line a content block), and the model on most lines:
    // the last one read on this thread is used again rather than a copy made.
    [ThreadStatic]
    private static (byte[] Utf8, string Text)? t_lastMessageId;

    [ThreadStatic]
    private static (byte[] Utf8, string Text)? t_lastModel;

    /// <summary>
    /// Reads a message. <see langword="null"/> when it is not a JSON object or not valid JSON (a line cut short by a
    /// crash), or, with <paramref name="dialogueOnly"/>, when its <c>type</c> is not <c>user</c>, <c>assistant</c> or
    /// <c>system</c>: the rest of such a line is not read.
    /// </summary>
    public static ClaudeEntry? Read(ReadOnlyMemory<byte> json, bool dialogueOnly = false)
    {
        try
        {
            return ReadEntry(json, dialogueOnly);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid text (an escaped lone surrogate): the line is unreadable, as one cut short is.
            return null;
        }
    }

    /// <summary>Reads a message built as a node (the live stream's lines, tests).</summary>
    public static ClaudeEntry Read(JsonObject message) => Read(Utf8(message)) ?? throw new JsonException("The message could not be read back.");

    /// <summary>Reads a content block built as a node.</summary>
    public static ClaudeBlock ReadBlock(JsonObject block)
    {
        var json = Utf8(block);
        var reader = new Utf8JsonReader(json.Span);
        reader.Read();
        return ReadBlock(ref reader, json);
    }

    /// <summary>A node as UTF-8 JSON.</summary>
    public static ReadOnlyMemory<byte> Utf8(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, NodeWriting))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenMemory;
    }

    private static ClaudeEntry? ReadEntry(ReadOnlyMemory<byte> json, bool dialogueOnly)
    {
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        // Most lines are bookkeeping, left at their type: the entry read into is kept for the next line unless this
        // one is dialogue, rather than one made for each line.
        var entry = t_spare ?? new ClaudeEntry();
        t_spare = null;
        entry.Json = json;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                entry.Type = EntryType(ref reader, dialogueOnly);
                if (dialogueOnly && entry.Type is not ("user" or "assistant" or "system"))
                {
                    t_spare = entry.Cleared();
                    return null;
                }
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                (entry.MessageId, entry.Model, entry.ContentText, entry.ContentBlocks) = (null, null, null, null);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadMessage(ref reader, json, entry);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("uuid"u8))
            {
                reader.Read();
                entry.Uuid = String(ref reader);
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                entry.Timestamp = Timestamp(ref reader);
            }
            else if (reader.ValueTextEquals("isSidechain"u8))
            {
                reader.Read();
                entry.IsSidechain = Bool(ref reader);
            }
            else if (reader.ValueTextEquals("isMeta"u8))
            {
                reader.Read();
                entry.IsMeta = Bool(ref reader);
            }
            else if (reader.ValueTextEquals("apiBlockIndex"u8))
            {
                reader.Read();
                entry.ApiBlockIndex = Long(ref reader);
            }
            else if (reader.ValueTextEquals("parent_tool_use_id"u8))
            {
                reader.Read();
                entry.ParentToolUseId = String(ref reader);
            }
            else if (reader.ValueTextEquals("toolUseResult"u8))
            {
                reader.Read();
                entry.HasTranscriptToolUseResult = reader.TokenType != JsonTokenType.Null;
                entry.TranscriptToolUseResult = reader.TokenType == JsonTokenType.StartObject ? ReadToolUseResult(ref reader, json) : SkipValue<ClaudeToolUseResult>(ref reader);
            }
            else if (reader.ValueTextEquals("tool_use_result"u8))
            {
                reader.Read();
                entry.ToolUseResult = reader.TokenType == JsonTokenType.StartObject ? ReadToolUseResult(ref reader, json) : SkipValue<ClaudeToolUseResult>(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        // Anything after the object but white space makes the line invalid JSON, as it made it for JsonNode.Parse.
        reader.Read();
        if (dialogueOnly && entry.Type is null)
        {
            t_spare = entry.Cleared();
            return null;
        }

        return entry;
    }

    private static void ReadMessage(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json, ClaudeEntry entry)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                (entry.ContentText, entry.ContentBlocks) = (null, null);
                if (reader.TokenType == JsonTokenType.String)
                {
                    entry.ContentText = reader.GetString();
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    entry.ContentBlocks = ReadBlocks(ref reader, json);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                entry.MessageId = Repeated(ref reader, ref t_lastMessageId);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                entry.Model = Repeated(ref reader, ref t_lastModel);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static ClaudeBlock[] ReadBlocks(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        // The CLI records one block a message, mostly: an array of the size, without a list to grow.
        ClaudeBlock? first = null;
        List<ClaudeBlock>? more = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
            }
            else if (first is null)
            {
                first = ReadBlock(ref reader, json);
            }
            else
            {
                (more ??= [first]).Add(ReadBlock(ref reader, json));
            }
        }

        return more is not null ? [.. more] : first is not null ? [first] : [];
    }

    private static string? Repeated(ref Utf8JsonReader reader, ref (byte[] Utf8, string Text)? last)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (reader.ValueIsEscaped)
        {
            return reader.GetString();
        }

        if (last is { } known && reader.ValueSpan.SequenceEqual(known.Utf8))
        {
            return known.Text;
        }

        var text = reader.GetString()!;
        last = (reader.ValueSpan.ToArray(), text);
        return text;
    }

    private static ClaudeBlock ReadBlock(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        var block = new ClaudeBlock();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                block.Type = BlockType(ref reader);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                block.Text = String(ref reader);
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                block.ResultText = ToolResultText(ref reader, json);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                block.Id = String(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                block.Name = String(ref reader);
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                block.Input = reader.TokenType == JsonTokenType.StartObject ? JsonElement.ParseValue(ref reader) : SkipValue<JsonElement?>(ref reader);
            }
            else if (reader.ValueTextEquals("tool_use_id"u8))
            {
                reader.Read();
                block.ToolUseId = String(ref reader);
            }
            else if (reader.ValueTextEquals("is_error"u8))
            {
                reader.Read();
                block.IsError = Bool(ref reader);
            }
            else if (reader.ValueTextEquals("thinking"u8))
            {
                reader.Read();
                block.Thinking = String(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        block.Json = json[start..(int)reader.BytesConsumed];
        return block;
    }

    private static ClaudeToolUseResult ReadToolUseResult(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        var result = new ClaudeToolUseResult();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                result.Content = reader.TokenType == JsonTokenType.StartArray ? RawValue(ref reader, json) : SkipValue<ReadOnlyMemory<byte>?>(ref reader);
            }
            else if (reader.ValueTextEquals("agentId"u8))
            {
                reader.Read();
                result.AgentId = String(ref reader);
            }
            else if (reader.ValueTextEquals("harnessNoteCount"u8))
            {
                reader.Read();
                result.HarnessNoteCount = Long(ref reader);
            }
            else if (reader.ValueTextEquals("harnessTailCount"u8))
            {
                reader.Read();
                result.HarnessTailCount = Long(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    private static T? SkipValue<T>(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return default;
    }

    private static string? String(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    private static bool? Bool(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => null,
    };

    private static long? Long(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetInt64(out var l))
        {
            return l;
        }

        return reader.TryGetDouble(out var d) ? (long)d : null;
    }

    // The types every line has, without a string allocated for each.
    private static string? EntryType(ref Utf8JsonReader reader, bool dialogueOnly)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        return reader.ValueTextEquals("assistant"u8) ? "assistant"
            : reader.ValueTextEquals("user"u8) ? "user"
            : reader.ValueTextEquals("system"u8) ? "system"
            : dialogueOnly ? null
            : reader.GetString();
    }

    private static string? BlockType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        return reader.ValueTextEquals("text"u8) ? "text"
            : reader.ValueTextEquals("tool_result"u8) ? "tool_result"
            : reader.ValueTextEquals("tool_use"u8) ? "tool_use"
            : reader.ValueTextEquals("thinking"u8) ? "thinking"
            : reader.ValueTextEquals("image"u8) ? "image"
            : reader.GetString();
    }

    private static DateTimeOffset? Timestamp(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (!reader.ValueIsEscaped && ClaudeJson.TryParseUtcTimestamp(reader.ValueSpan, out var utc))
        {
            return utc;
        }

        return ClaudeJson.ParseTimestamp(reader.GetString());
    }
}
