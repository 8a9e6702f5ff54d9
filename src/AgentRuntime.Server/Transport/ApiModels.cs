using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRuntime.Sessions;

// The request and response bodies that only the HTTP API has; the domain types travel as they are.
namespace AgentRuntime.Transport;

/// <summary>Body of <c>POST /api/sessions</c>.</summary>
public sealed record CreateSessionBody(string? AgentProfileRef, string? Architecture, string? Name, IReadOnlyDictionary<string, string>? Files = null);

/// <summary>Body of <c>POST /api/sessions/{id}/messages</c>.</summary>
public sealed record SendMessageBody(string? Content);

/// <summary>Answer of <c>POST /api/sessions/{id}/messages</c>.</summary>
public sealed record TurnAccepted(string TurnId);

/// <summary>Answer of <c>GET /api/sessions</c>.</summary>
public sealed record SessionList(IReadOnlyList<SessionListItem> Sessions);

/// <summary>Answer of <c>GET /api/health</c>.</summary>
public sealed record HealthReport(string Status, DateTimeOffset Time);

/// <summary>The source-generated JSON context of the API's own bodies.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CreateSessionBody))]
[JsonSerializable(typeof(SendMessageBody))]
[JsonSerializable(typeof(TurnAccepted))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(FileWritten))]
[JsonSerializable(typeof(IReadOnlyList<WorkspaceFileInfo>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
