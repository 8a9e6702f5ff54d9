using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;

namespace AgentRuntime.Architectures.Claude.StreamJson;

/// <summary>What only Claude Code's JSON needs beyond <see cref="TolerantJson"/>: its timestamps and tool statuses.</summary>
internal static class ClaudeJson
{
    public static DateTimeOffset? Timestamp(JsonNode? node, string name = "timestamp") => ParseTimestamp(TolerantJson.String(node, name));

    /// <summary>A timestamp in UTC; one without a time zone is taken as UTC.</summary>
    public static DateTimeOffset? ParseTimestamp(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime()
            : null;

    /// <summary>
    /// Reads the one form Claude Code writes, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, without the general parser (it is on
    /// every line). <see langword="false"/> for anything else, which <see cref="ParseTimestamp"/> reads as before.
    /// </summary>
    public static bool TryParseUtcTimestamp(ReadOnlySpan<byte> text, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (text.Length != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' || text[23] != 'Z')
        {
            return false;
        }

        if (!Digits(text[..4], out var year) || !Digits(text.Slice(5, 2), out var month) || !Digits(text.Slice(8, 2), out var day)
            || !Digits(text.Slice(11, 2), out var hour) || !Digits(text.Slice(14, 2), out var minute) || !Digits(text.Slice(17, 2), out var second)
            || !Digits(text.Slice(20, 3), out var millisecond))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        timestamp = new DateTimeOffset(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);
        return true;

        static bool Digits(ReadOnlySpan<byte> digits, out int value)
        {
            value = 0;
            foreach (var digit in digits)
            {
                if (digit is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }

                value = (value * 10) + (digit - '0');
            }

            return true;
        }
    }
}
