using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRuntime.Transport;

/// <summary>
/// A session event as the hub streams it: its JSON made once (<see cref="LiveEventEncodings"/>) and written as it is
/// into every connection's stream item message, which is what serializing the <see cref="Events.SessionEvent"/> there
/// wrote. Only for the JSON hub protocol, the one the server offers.
/// </summary>
[JsonConverter(typeof(HubEventConverter))]
internal sealed class HubEvent(byte[] json)
{
    public byte[] Json { get; } = json;
}

internal sealed class HubEventConverter : JsonConverter<HubEvent>
{
    public override HubEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A hub event is only ever sent; clients read it as a SessionEvent.");

    // The bytes came out of the serializer: validating them again would cost what sharing them saves.
    public override void Write(Utf8JsonWriter writer, HubEvent value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Json, skipInputValidation: true);
}

/// <summary>The hub protocol's metadata for <see cref="HubEvent"/>, generated rather than reflected.</summary>
[JsonSerializable(typeof(HubEvent))]
internal sealed partial class HubEventJsonContext : JsonSerializerContext;
