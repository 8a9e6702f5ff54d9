using System.Text.Json;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// Passes a request body through while keeping its first bytes, to find the model the request names when the answer
/// does not say (an error, a cut-off stream). The body itself streams on, never held whole.
/// </summary>
internal sealed class RequestBodyPrefix(Stream inner, int capacity) : Stream
{
    private readonly byte[] _prefix = new byte[capacity];
    private int _length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The top-level <c>"model"</c> of the JSON body's first bytes, if it is there.</summary>
    public string? FindModel()
    {
        var reader = new Utf8JsonReader(_prefix.AsSpan(0, _length), isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("model"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                if (reader.CurrentDepth >= 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    // Nested values (the messages) are skipped whole when the prefix holds them, so a "model" inside
                    // a message's text is never taken; a prefix that ends inside one ends the search.
                    if (!reader.TrySkip())
                    {
                        return null;
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, read));
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        var room = _prefix.Length - _length;
        if (room > 0 && !bytes.IsEmpty)
        {
            var take = Math.Min(room, bytes.Length);
            bytes[..take].CopyTo(_prefix.AsSpan(_length));
            _length += take;
        }
    }
}
