using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Claude.StreamJson;

// The text of tool results and content blocks, read where they are: a string as is, blocks' texts joined, images and
// documents named, anything else as its JSON.
internal static partial class ClaudeEntryReader
{
    /// <summary>A tool result's <c>content</c> as text, as <see cref="ClaudeContent.ToolResultText(JsonNode?)"/> describes.</summary>
    public static string ToolResultText(ReadOnlyMemory<byte> content)
    {
        var reader = new Utf8JsonReader(content.Span);
        reader.Read();
        return ToolResultText(ref reader, content);
    }

    /// <summary>The text of each element of a JSON array of content blocks.</summary>
    public static List<string> BlockTexts(ReadOnlyMemory<byte> array)
    {
        var reader = new Utf8JsonReader(array.Span);
        reader.Read();
        var texts = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            texts.Add(BlockText(ref reader, array));
        }

        return texts;
    }

    // A tool result's content: a string as is, blocks' texts joined, anything else as its JSON.
    private static string ToolResultText(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.Null:
                return "";
            case JsonTokenType.StartArray:
                string? first = null;
                List<string>? texts = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var text = BlockText(ref reader, json);
                    if (first is null)
                    {
                        first = text;
                    }
                    else
                    {
                        (texts ??= [first]).Add(text);
                    }
                }

                return texts is null ? first ?? "" : string.Join("\n", texts);
            default:
                return NodeText(ref reader, json);
        }
    }

    // A content block's text: text as is, images and documents named, anything else as its JSON.
    private static string BlockText(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return "";
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return NodeText(ref reader, json);
        }

        var start = (int)reader.TokenStartIndex;
        string? type = null;
        string? text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = BlockType(ref reader);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                text = String(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return type switch
        {
            "text" => text ?? "",
            "image" => "[image]",
            "document" => "[document]",
            _ => JsonNode.Parse(json.Span[start..(int)reader.BytesConsumed])!.ToJsonString(),
        };
    }

    // A value written out as JsonNode.ToJsonString writes it (its escaping differs from the transcript's): the rare
    // content that is neither text nor a known block.
    private static string NodeText(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json) => JsonNode.Parse(RawValue(ref reader, json).Span)!.ToJsonString();

    private static ReadOnlyMemory<byte> RawValue(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return json[start..(int)reader.BytesConsumed];
    }
}
