using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Transport;

/// <summary>
/// Each event's bytes on the wire, made once however many subscribers it goes to: the whole SSE frame, and the JSON
/// of a hub stream item. Every live subscriber of a session is handed the same event instance, and they all take it
/// within moments of each other, so the encodings are kept in a small table of recent events, found by the instance
/// (not by seq: a deleted session's id may come back with its seqs). A miss (an event pushed out by later ones, a
/// subscriber far behind, an event replayed from the store) only means encoding it again.
/// </summary>
/// <remarks>
/// The two are made separately because they are not the same bytes: the hub protocol's serializer escapes less
/// (SignalR's relaxed encoder) than the SSE stream's, and each transport keeps its own wire format exactly. A table
/// rather than a <see cref="System.Runtime.CompilerServices.ConditionalWeakTable{TKey,TValue}"/>: a weak table costs a
/// GC handle for every event, which the collector scans at every collection; this one holds at most
/// <see cref="Slots"/> recent events and their encodings, and none larger than <see cref="MaxKeptBytes"/>.
/// </remarks>
internal sealed class LiveEventEncodings(IOptions<JsonHubProtocolOptions> hubOptions)
{
    // Past this size the scratch buffer is not kept for the next event: one large tool result should not pin it.
    private const int ScratchKeptBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    // What JsonSerializer.Serialize(e, context) writes with, so the frame holds the same bytes it always held.
    private static readonly JsonWriterOptions SseWriterOptions = new()
    {
        Encoder = AgentRuntimeJsonContext.Default.Options.Encoder,
        Indented = AgentRuntimeJsonContext.Default.Options.WriteIndented,
        MaxDepth = AgentRuntimeJsonContext.Default.Options.MaxDepth,
        SkipValidation = true,
    };

    /// <summary>How many recent events the table holds: a few tens of milliseconds of 100 busy sessions.</summary>
    internal const int Slots = 1024;

    /// <summary>An encoding larger than this is made for each subscriber rather than kept.</summary>
    internal const int MaxKeptBytes = 16 * 1024;

    private readonly Entry?[] _recent = new Entry?[Slots];
    private JsonTypeInfo<SessionEvent>? _hubTypeInfo;

    /// <summary><c>id: {seq}\ndata: {json}\n\n</c> in UTF-8, as the SSE stream has always written an event.</summary>
    public byte[] GetSseFrame(SessionEvent e)
    {
        var entry = EntryFor(e);
        if (entry.SseFrame is { } kept)
        {
            return kept;
        }

        var frame = EncodeSseFrame(e);
        if (frame.Length <= MaxKeptBytes)
        {
            entry.SseFrame = frame;
        }

        return frame;
    }

    /// <summary>The event as a hub stream item: its JSON as the hub protocol's serializer writes a <see cref="SessionEvent"/>.</summary>
    public HubEvent GetHubEvent(SessionEvent e)
    {
        var entry = EntryFor(e);
        if (entry.HubEvent is { } kept)
        {
            return kept;
        }

        var hubEvent = new HubEvent(JsonSerializer.SerializeToUtf8Bytes(e, HubTypeInfo));
        if (hubEvent.Json.Length <= MaxKeptBytes)
        {
            entry.HubEvent = hubEvent;
        }

        return hubEvent;
    }

    // Without a lock: a slot holds one whole entry at a time, and two subscribers that miss the same event at once
    // both encode it (equal bytes), one of the two entries staying.
    private Entry EntryFor(SessionEvent e)
    {
        ref var slot = ref _recent[RuntimeHelpers.GetHashCode(e) & (Slots - 1)];
        var entry = Volatile.Read(ref slot);
        if (!ReferenceEquals(entry?.Event, e))
        {
            entry = new Entry(e);
            Volatile.Write(ref slot, entry);
        }

        return entry!;
    }

    // Resolved at first use rather than at construction, when the hub protocol's options are complete and in use.
    private JsonTypeInfo<SessionEvent> HubTypeInfo =>
        _hubTypeInfo ??= (JsonTypeInfo<SessionEvent>)hubOptions.Value.PayloadSerializerOptions.GetTypeInfo(typeof(SessionEvent));

    private static byte[] EncodeSseFrame(SessionEvent e)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_writer ??= new Utf8JsonWriter(scratch, SseWriterOptions);
        try
        {
            writer.Reset(scratch);
            JsonSerializer.Serialize(writer, e, AgentRuntimeJsonContext.Default.SessionEvent);
            writer.Flush();

            ReadOnlySpan<byte> before = "id: "u8, between = "\ndata: "u8, after = "\n\n"u8;
            Span<byte> seq = stackalloc byte[20];
            e.Seq.TryFormat(seq, out var seqLength, provider: CultureInfo.InvariantCulture);
            var json = scratch.WrittenSpan;
            var frame = new byte[before.Length + seqLength + between.Length + json.Length + after.Length];
            var rest = frame.AsSpan();
            Append(ref rest, before);
            Append(ref rest, seq[..seqLength]);
            Append(ref rest, between);
            Append(ref rest, json);
            Append(ref rest, after);
            return frame;
        }
        finally
        {
            if (scratch.Capacity > ScratchKeptBytes)
            {
                t_scratch = null;
                t_writer = null;
            }
            else
            {
                scratch.ResetWrittenCount();
            }
        }
    }

    private static void Append(ref Span<byte> destination, scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        destination = destination[bytes.Length..];
    }

    // Filled lazily: a subscriber that reads one encoding before another stores it makes its own.
    private sealed class Entry(SessionEvent e)
    {
        public SessionEvent Event { get; } = e;

        public byte[]? SseFrame { get; set; }

        public HubEvent? HubEvent { get; set; }
    }
}
