using System.Text;
using AgentRuntime.Gateway.Usage;

namespace AgentRuntime.Gateway.Tests.Usage;

public sealed class UsageMeterTests
{
    private const string AnthropicStream =
        "event: message_start\r\n" +
        """data: {"type":"message_start","message":{"model":"claude-opus-4-5","usage":{"input_tokens":7,"cache_creation_input_tokens":3,"cache_read_input_tokens":11,"output_tokens":1}}}""" + "\r\n\r\n" +
        "event: content_block_delta\r\n" +
        """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"the word \"usage\" in text"}}""" + "\r\n\r\n" +
        "event: message_delta\r\n" +
        """data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":7,"cache_creation_input_tokens":3,"cache_read_input_tokens":11,"output_tokens":25}}""" + "\r\n\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Feed_AnthropicStreamInPiecesOfAnySize_ReadsTheLastCounts(int piece)
    {
        var meter = new UsageMeter(ModelApiKind.Anthropic, "text/event-stream", 1 << 20);

        FeedInPieces(meter, AnthropicStream, piece);

        Assert.Equal(new TokenUsage { InputTokens = 7, OutputTokens = 25, CacheCreationInputTokens = 3, CacheReadInputTokens = 11 }, meter.Tokens);
        Assert.Equal("claude-opus-4-5", meter.Model);
    }

    [Fact]
    public void Feed_MessageDeltaWithZeroInput_KeepsTheInputOfMessageStart()
    {
        var meter = new UsageMeter(ModelApiKind.Anthropic, "text/event-stream", 1 << 20);

        FeedInPieces(meter, AnthropicStream.Replace("\"input_tokens\":7,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":11,\"output_tokens\":25", "\"input_tokens\":0,\"output_tokens\":25", StringComparison.Ordinal), 100);

        Assert.Equal((7, 25), (meter.Tokens.InputTokens, meter.Tokens.OutputTokens));
    }

    [Fact]
    public void Feed_EventLineOverTheLimit_IsNotCountedButTheRestIs()
    {
        var meter = new UsageMeter(ModelApiKind.Anthropic, "text/event-stream", 1024);
        var huge = $$$$"""data: {"type":"message_start","message":{"model":"m","pad":"{{{{new string('x', 2000)}}}}","usage":{"input_tokens":1000}}}""" + "\n\n";

        FeedInPieces(meter, huge + """data: {"type":"message_delta","usage":{"output_tokens":9}}""" + "\n\n", 300);

        Assert.Equal(new TokenUsage { OutputTokens = 9 }, meter.Tokens);
    }

    [Fact]
    public void Complete_JsonOverTheLimit_CountsNothing()
    {
        var meter = new UsageMeter(ModelApiKind.Anthropic, "application/json", 1024);

        FeedInPieces(meter, $$$$"""{"type":"message","model":"m","content":"{{{{new string('x', 2000)}}}}","usage":{"input_tokens":5}}""", 512);
        meter.Complete();

        Assert.False(meter.HasUsage);
    }

    [Fact]
    public void Complete_GeminiJsonArrayOfChunks_ReadsTheLastCounts()
    {
        var meter = new UsageMeter(ModelApiKind.Gemini, "application/json", 1 << 20);

        FeedInPieces(meter, """
            [{"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":2},"modelVersion":"models/gemini-2.5-flash"},
             {"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":9,"thoughtsTokenCount":4,"cachedContentTokenCount":10,"toolUsePromptTokenCount":5}}]
            """, 13);
        meter.Complete();

        Assert.Equal(new TokenUsage { InputTokens = 35, OutputTokens = 13, CacheReadInputTokens = 10 }, meter.Tokens);
        Assert.Equal("models/gemini-2.5-flash", meter.Model);
    }

    [Fact]
    public void Complete_NotJson_CountsNothing()
    {
        var meter = new UsageMeter(ModelApiKind.Gemini, "text/html", 1 << 20);

        FeedInPieces(meter, "<html>502 Bad Gateway</html>", 5);
        meter.Complete();

        Assert.False(meter.HasUsage);
    }

    private static void FeedInPieces(UsageMeter meter, string text, int piece)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i += piece)
        {
            meter.Feed(bytes.AsSpan(i, Math.Min(piece, bytes.Length - i)));
        }
    }
}
