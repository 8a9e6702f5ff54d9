using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRuntime.Sessions;

// The request and response bodies that only the HTTP API has. The server keeps its own in AgentRuntime.Server,
// which a client cannot reference without ASP.NET Core; the domain types travel as AgentRuntimeJsonContext has them.
namespace AgentRuntime.Client.Internal;

internal sealed record CreateSessionBody(string AgentProfileRef, string Architecture, string? Name);

internal sealed record SendMessageBody(string Content);

internal sealed record TurnAcceptedBody(string TurnId);

internal sealed record SessionListBody(IReadOnlyList<SessionListItem> Sessions);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CreateSessionBody))]
[JsonSerializable(typeof(SendMessageBody))]
[JsonSerializable(typeof(TurnAcceptedBody))]
[JsonSerializable(typeof(SessionListBody))]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
