using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Testing;

/// <summary>Writes a <see cref="Reply"/> the way the Anthropic Messages API does: server-sent events, or one JSON message.</summary>
internal static class ReplyWriter
{

    public static async Task WriteErrorAsync(HttpResponse response, ReplyError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = error.Type, ["message"] = error.Message },
        };
        await response.WriteAsync(body.ToJsonString(), cancellationToken);
    }

    public static async Task WriteJsonAsync(HttpResponse response, Reply reply, string messageId, string model, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json";
        var message = MessageShell(reply, messageId, model);
        message["content"] = new JsonArray(reply.Content.Select(ContentJson).ToArray<JsonNode?>());
        message["stop_reason"] = reply.EffectiveStopReason;
        message["usage"] = UsageJson(reply.Usage, reply.Usage.OutputTokens);
        await response.WriteAsync(message.ToJsonString(), cancellationToken);
    }

    public static async Task WriteStreamAsync(HttpResponse response, Reply reply, string messageId, string model, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var writer = new EventWriter(response, reply.ChunkDelay, cancellationToken);

        var start = MessageShell(reply, messageId, model);
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        start["usage"] = UsageJson(reply.Usage, outputTokens: 1);
        await writer.WriteAsync("message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });

        for (var index = 0; index < reply.Content.Count; index++)
        {
            await WriteBlockAsync(writer, index, reply.Content[index], reply.Pieces);
        }

        await writer.WriteAsync("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = reply.EffectiveStopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.Usage.OutputTokens },
        });
        await writer.WriteAsync("message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static async Task WriteBlockAsync(EventWriter writer, int index, ReplyContent content, int pieces)
    {
        JsonObject startBlock = content switch
        {
            TextContent => new JsonObject { ["type"] = "text", ["text"] = "" },
            ThinkingContent => new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" },
            ToolUseContent tool => new JsonObject { ["type"] = "tool_use", ["id"] = tool.Id, ["name"] = tool.Name, ["input"] = new JsonObject() },
            _ => throw new NotSupportedException(content.GetType().Name),
        };
        await writer.WriteAsync("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = startBlock });

        switch (content)
        {
            case TextContent text:
                foreach (var piece in Split(text.Text, pieces))
                {
                    await writer.WriteDeltaAsync(index, new JsonObject { ["type"] = "text_delta", ["text"] = piece });
                }

                break;
            case ThinkingContent thinking:
                foreach (var piece in Split(thinking.Thinking, pieces))
                {
                    await writer.WriteDeltaAsync(index, new JsonObject { ["type"] = "thinking_delta", ["thinking"] = piece });
                }

                await writer.WriteDeltaAsync(index, new JsonObject { ["type"] = "signature_delta", ["signature"] = thinking.Signature });
                break;
            case ToolUseContent tool:
                foreach (var piece in Split(tool.Input.ToJsonString(), pieces))
                {
                    await writer.WriteDeltaAsync(index, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece });
                }

                break;
        }

        await writer.WriteAsync("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index });
    }

    private static JsonObject MessageShell(Reply reply, string messageId, string model) => new()
    {
        ["id"] = messageId,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = reply.Model ?? model,
        ["stop_sequence"] = null,
    };

    private static JsonObject ContentJson(ReplyContent content) => content switch
    {
        TextContent text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        ThinkingContent thinking => new JsonObject { ["type"] = "thinking", ["thinking"] = thinking.Thinking, ["signature"] = thinking.Signature },
        ToolUseContent tool => new JsonObject { ["type"] = "tool_use", ["id"] = tool.Id, ["name"] = tool.Name, ["input"] = tool.Input.DeepClone() },
        _ => throw new NotSupportedException(content.GetType().Name),
    };

    private static JsonObject UsageJson(ReplyUsage usage, int outputTokens) => new()
    {
        ["input_tokens"] = usage.InputTokens,
        ["output_tokens"] = outputTokens,
        ["cache_creation_input_tokens"] = usage.CacheCreationInputTokens,
        ["cache_read_input_tokens"] = usage.CacheReadInputTokens,
    };

    // Splits on UTF-16 boundaries that do not cut a surrogate pair, so every piece is valid text.
    private static IEnumerable<string> Split(string text, int pieces)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        var size = Math.Max(1, (int)Math.Ceiling(text.Length / (double)pieces));
        for (var start = 0; start < text.Length;)
        {
            var length = Math.Min(size, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length++;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private sealed class EventWriter(HttpResponse response, TimeSpan delay, CancellationToken cancellationToken)
    {
        public Task WriteDeltaAsync(int index, JsonObject delta) =>
            WriteAsync("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta }, pause: true);

        public async Task WriteAsync(string name, JsonObject data, bool pause = false)
        {
            if (pause && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            var frame = new StringBuilder().Append("event: ").Append(name).Append('\n')
                .Append("data: ").Append(data.ToJsonString()).Append("\n\n").ToString();
            await response.WriteAsync(frame, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
