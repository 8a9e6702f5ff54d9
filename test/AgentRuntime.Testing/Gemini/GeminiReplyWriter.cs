using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Testing.Gemini;

/// <summary>Writes a <see cref="GeminiReply"/> the way the Gemini API does: server-sent events, or one JSON response.</summary>
internal static class GeminiReplyWriter
{
    public static async Task WriteErrorAsync(HttpResponse response, GeminiReplyError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        var body = new JsonObject { ["error"] = new JsonObject { ["code"] = error.Status, ["message"] = error.Message, ["status"] = error.Code } };
        await response.WriteAsync(body.ToJsonString(), cancellationToken);
    }

    public static async Task WriteJsonAsync(HttpResponse response, GeminiReply reply, string model, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json";
        var parts = new JsonArray(reply.Parts.Select(p => (JsonNode?)PartJson(p, whole: null)).ToArray());
        await response.WriteAsync(Chunk(parts, model, finish: true, reply.Usage).ToJsonString(), cancellationToken);
    }

    /// <summary>
    /// One chunk per piece of text and one per thought or function call; the last chunk carries the finish reason and
    /// the usage, as the API's last chunk does.
    /// </summary>
    public static async Task WriteStreamAsync(HttpResponse response, GeminiReply reply, string model, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var chunks = reply.Parts.SelectMany(p => p is GeminiTextPart text ? Split(text.Text, reply.Pieces).Select(piece => PartJson(p, piece)) : [PartJson(p, null)]).ToList();
        if (chunks.Count == 0)
        {
            chunks.Add(new JsonObject { ["text"] = "" });
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            if (reply.ChunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(reply.ChunkDelay, cancellationToken);
            }

            var last = i == chunks.Count - 1;
            var chunk = Chunk(new JsonArray(chunks[i]), model, finish: last, last ? reply.Usage : null);
            await response.WriteAsync($"data: {chunk.ToJsonString()}\r\n\r\n", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    private static JsonObject Chunk(JsonArray parts, string model, bool finish, GeminiUsage? usage)
    {
        var candidate = new JsonObject { ["content"] = new JsonObject { ["role"] = "model", ["parts"] = parts }, ["index"] = 0 };
        if (finish)
        {
            candidate["finishReason"] = "STOP";
        }

        var chunk = new JsonObject { ["candidates"] = new JsonArray(candidate), ["modelVersion"] = model };
        if (usage is not null)
        {
            chunk["usageMetadata"] = new JsonObject
            {
                ["promptTokenCount"] = usage.PromptTokens,
                ["candidatesTokenCount"] = usage.CandidatesTokens,
                ["totalTokenCount"] = usage.PromptTokens + usage.CandidatesTokens,
            };
        }

        return chunk;
    }

    private static JsonObject PartJson(GeminiReplyPart part, string? whole) => part switch
    {
        GeminiTextPart text => new JsonObject { ["text"] = whole ?? text.Text },
        GeminiThoughtPart thought => new JsonObject { ["text"] = thought.Text, ["thought"] = true },
        GeminiFunctionCallPart call => new JsonObject { ["functionCall"] = new JsonObject { ["name"] = call.Name, ["args"] = call.Args.DeepClone() } },
        _ => throw new NotSupportedException(part.GetType().Name),
    };

    // Splits on UTF-16 boundaries that do not cut a surrogate pair, so every piece is valid text.
    private static IEnumerable<string> Split(string text, int pieces)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        var size = Math.Max(1, (int)Math.Ceiling(text.Length / (double)Math.Max(1, pieces)));
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
}
