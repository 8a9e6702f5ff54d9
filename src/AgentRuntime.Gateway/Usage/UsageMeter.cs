using System.Text.Json;
using AgentRuntime.Sessions;

namespace AgentRuntime.Gateway.Usage;

/// <summary>
/// Reads a model answer's token usage and model name as the answer streams past, without keeping it: a server-sent
/// event stream line by line, a JSON body whole. Both are bounded: a line or body over the limit passes uncounted.
/// </summary>
internal sealed class UsageMeter
{
    private readonly ModelApiKind _kind;
    private readonly bool _eventStream;
    private readonly int _limit;
    private byte[] _buffer = new byte[4096];
    private int _length;
    private bool _overflow;

    // As the API reports them. Every count is cumulative within one call (message_delta repeats the running total;
    // each Gemini chunk carries the totals so far), so the largest value seen of each is the call's: the last one,
    // unless a later event leaves a count at 0, as some Anthropic-compatible servers do in message_delta.
    private long? _input;
    private long? _output;
    private long? _cacheWrite;
    private long? _cacheRead;
    private long? _thoughts;
    private long? _toolPrompt;

    public UsageMeter(ModelApiKind kind, string? mediaType, int limit)
    {
        _kind = kind;
        _eventStream = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        _limit = limit;
    }

    /// <summary>The model the answer names (<c>message.model</c>, <c>modelVersion</c>), if it does.</summary>
    public string? Model { get; private set; }

    /// <summary>Whether any usage was read.</summary>
    public bool HasUsage => _input is not null || _output is not null || _cacheWrite is not null || _cacheRead is not null;

    /// <summary>The call's tokens, as the runtime counts them.</summary>
    public TokenUsage Tokens => _kind == ModelApiKind.Anthropic
        ? new TokenUsage
        {
            InputTokens = _input ?? 0,
            OutputTokens = _output ?? 0,
            CacheCreationInputTokens = _cacheWrite ?? 0,
            CacheReadInputTokens = _cacheRead ?? 0,
        }
        : new TokenUsage
        {
            // Gemini's prompt count includes the cached part and leaves out the tool-use prompt; thinking is billed as output.
            InputTokens = Math.Max(0, (_input ?? 0) + (_toolPrompt ?? 0) - (_cacheRead ?? 0)),
            OutputTokens = (_output ?? 0) + (_thoughts ?? 0),
            CacheReadInputTokens = _cacheRead ?? 0,
        };

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (!_eventStream)
        {
            Append(chunk);
            return;
        }

        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(chunk);
                return;
            }

            Append(chunk[..newline]);
            EndLine();
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>The answer ended: reads a JSON body, or an event stream's last line if it had no line end.</summary>
    public void Complete()
    {
        if (_eventStream)
        {
            EndLine();
        }
        else if (!_overflow && _length > 0)
        {
            Read(_buffer.AsMemory(0, _length));
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_overflow || bytes.IsEmpty)
        {
            return;
        }

        if (_length + bytes.Length > _limit)
        {
            _overflow = true;
            return;
        }

        if (_length + bytes.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_limit, Math.Max(_buffer.Length * 2, _length + bytes.Length)));
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void EndLine()
    {
        var line = _buffer.AsMemory(0, _length);
        var overflow = _overflow;
        _length = 0;
        _overflow = false;
        if (overflow || !line.Span.StartsWith("data:"u8))
        {
            return;
        }

        line = line[5..];
        if (line.Span.StartsWith(" "u8))
        {
            line = line[1..];
        }

        if (line.Span.EndsWith("\r"u8))
        {
            line = line[..^1];
        }

        // Most events are text deltas; only those that can carry usage or the model are worth parsing.
        if (line.Span.IndexOf("\"usage"u8) >= 0 || line.Span.IndexOf("\"model"u8) >= 0)
        {
            Read(line);
        }
    }

    private void Read(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            Observe(document.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON (an error page, a truncated line): nothing to count; the bytes were passed on as they were.
        }
    }

    private void Observe(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            // Gemini's streamGenerateContent without alt=sse answers one JSON array of chunks.
            foreach (var element in root.EnumerateArray())
            {
                Observe(element);
            }

            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (_kind == ModelApiKind.Anthropic)
        {
            ObserveAnthropic(root);
        }
        else
        {
            ObserveGemini(root);
        }
    }

    private void ObserveAnthropic(JsonElement root)
    {
        switch (StringOf(root, "type"))
        {
            case "message_start" when root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object:
                Model = StringOf(message, "model") ?? Model;
                ReadAnthropicUsage(message);
                break;
            case "message_delta":
                ReadAnthropicUsage(root);
                break;
            case "message":
                Model = StringOf(root, "model") ?? Model;
                ReadAnthropicUsage(root);
                break;
        }
    }

    private void ReadAnthropicUsage(JsonElement parent)
    {
        if (!parent.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _input = Max(_input, NumberOf(usage, "input_tokens"));
        _output = Max(_output, NumberOf(usage, "output_tokens"));
        _cacheWrite = Max(_cacheWrite, NumberOf(usage, "cache_creation_input_tokens"));
        _cacheRead = Max(_cacheRead, NumberOf(usage, "cache_read_input_tokens"));
    }

    private void ObserveGemini(JsonElement root)
    {
        Model = StringOf(root, "modelVersion") ?? Model;
        if (!root.TryGetProperty("usageMetadata", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _input = Max(_input, NumberOf(usage, "promptTokenCount"));
        _output = Max(_output, NumberOf(usage, "candidatesTokenCount"));
        _thoughts = Max(_thoughts, NumberOf(usage, "thoughtsTokenCount"));
        _cacheRead = Max(_cacheRead, NumberOf(usage, "cachedContentTokenCount"));
        _toolPrompt = Max(_toolPrompt, NumberOf(usage, "toolUsePromptTokenCount"));
    }

    private static long? Max(long? seen, long? value) => value is null ? seen : Math.Max(seen ?? 0, value.Value);

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? NumberOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0
            ? number
            : null;
}
