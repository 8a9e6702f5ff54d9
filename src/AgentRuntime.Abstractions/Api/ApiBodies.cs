using AgentRuntime.Sessions;

// The request and response bodies that only the HTTP API has, shared by the server and the .NET client through
// AgentRuntimeJsonContext; the domain types travel as they are.
namespace AgentRuntime.Api;

/// <summary>Body of <c>POST /api/sessions</c>.</summary>
/// <param name="AgentProfileRef">The profile's id.</param>
/// <param name="Architecture">The architecture, such as <c>claude-agent-sdk</c>.</param>
/// <param name="Name">An optional display name.</param>
/// <param name="Files">Files to write into the workspace before the first turn: path → text.</param>
public sealed record CreateSessionBody(string? AgentProfileRef, string? Architecture, string? Name = null, IReadOnlyDictionary<string, string>? Files = null);

/// <summary>Body of <c>POST /api/sessions/{id}/messages</c>.</summary>
/// <param name="Content">The user's message.</param>
public sealed record SendMessageBody(string? Content);

/// <summary>Answer of <c>POST /api/sessions/{id}/messages</c>.</summary>
/// <param name="TurnId">The turn that answers the message.</param>
public sealed record TurnAccepted(string TurnId);

/// <summary>Answer of <c>GET /api/sessions</c>.</summary>
/// <param name="Sessions">The sessions, most recently active first.</param>
public sealed record SessionList(IReadOnlyList<SessionListItem> Sessions);

/// <summary>Answer of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>ok</c>.</param>
/// <param name="Time">The server's clock.</param>
/// <param name="Sandbox">What the sandbox provider enforces on this machine, and what not.</param>
public sealed record HealthReport(string Status, DateTimeOffset Time, Sandboxes.SandboxEnforcement? Sandbox = null);

/// <summary>Body of <c>PATCH /api/sessions/{id}</c>.</summary>
/// <param name="Budget">The session's own model budget; <see langword="null"/> to fall back to its profile's.</param>
public sealed record UpdateSessionBody(Gateway.ModelBudget? Budget);

/// <summary>Answer of <c>PUT /api/sessions/{id}/files/{path}</c>.</summary>
/// <param name="Path">The stored path.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Created">Whether the file is new.</param>
/// <param name="Changed">Whether the content changed (false when the same bytes were there).</param>
public sealed record FileWritten(string Path, long Size, bool Created, bool Changed);
