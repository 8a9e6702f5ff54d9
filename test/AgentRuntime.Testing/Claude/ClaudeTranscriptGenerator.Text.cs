using System.Globalization;
using System.Text;

namespace AgentRuntime.Testing.Claude;

// Timestamps, ids and text, all from the generator's seeded random numbers.
public sealed partial class ClaudeTranscriptGenerator
{
    // Mostly a few milliseconds later than the last; now and then earlier (the CLI's entries are not strictly
    // ordered), with a different offset, seven fraction digits, or no time zone.
    private string Timestamp()
    {
        var roll = _random.Next(1000);
        _clock = _clock.AddMilliseconds(roll < 20 ? -_random.Next(1, 40) : _random.Next(1, 900));
        return roll switch
        {
            < 995 => _clock.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            < 997 => _clock.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            < 999 => _clock.UtcDateTime.AddTicks(_random.Next(10_000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            _ => _clock.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        };
    }

    private string Uuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }

    private string Id(int length)
    {
        const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
        return string.Create(length, _random, static (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        });
    }

    private string Word() => Words[_random.Next(Words.Length)];

    private string Text(int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(_random.Next(12) == 0 ? (_random.Next(3) == 0 ? "\n\n" : ". ") : " ");
            }

            text.Append(Words[_random.Next(Words.Length)]);
        }

        return text.ToString();
    }

    private string Code(int lines)
    {
        var code = new StringBuilder();
        for (var i = 1; i <= lines; i++)
        {
            CodeLine(code, i);
        }

        return code.ToString();
    }

    private string CodeOfSize(int bytes)
    {
        var code = new StringBuilder(bytes + 200);
        for (var i = 1; code.Length < bytes; i++)
        {
            CodeLine(code, i);
        }

        return code.ToString();
    }

    private void CodeLine(StringBuilder code, int number)
    {
        code.Append(CultureInfo.InvariantCulture, $"{number,6}\t");
        code.Append(' ', _random.Next(0, 4) * 4);
        code.Append(_random.Next(6) switch
        {
            0 => $"var {Word()} = reader.GetString() ?? \"\"; // {Word()}",
            1 => $"if (x.{Word()} is {{ Length: > 0 }}) {{ return \"{Word()}\\n\"; }}",
            2 => $"Console.WriteLine($\"{{value}} → {Word()}\");",
            3 => "}",
            4 => $"// {Text(8)}",
            _ => $"private static readonly string Path = @\"C:\\src\\{Word()}\";",
        });
        code.Append('\n');
    }

    private string Base64(int bytes)
    {
        var data = new byte[bytes];
        _random.NextBytes(data);
        return Convert.ToBase64String(data);
    }
}
