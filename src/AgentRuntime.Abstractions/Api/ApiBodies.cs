using System.Text.Json.Serialization;
using AgentRuntime.Sessions;

// The request and response bodies that only the HTTP API has, shared by the server and the .NET client through
// AgentRuntimeJsonContext; the domain types travel as they are.
namespace AgentRuntime.Api;

/// <summary>Body of <c>POST /api/sessions</c>.</summary>
/// <param name="AgentProfileRef">The profile's id.</param>
/// <param name="Architecture">The architecture, such as <c>claude-agent-sdk</c>.</param>
/// <param name="Name">An optional display name.</param>
/// <param name="Files">Files to write into the workspace before the first turn: path → text.</param>
/// <param name="TenantId">The tenant to create the session for; the caller's own when absent (another only for an admin).</param>
public sealed record CreateSessionBody(string? AgentProfileRef, string? Architecture, string? Name = null, IReadOnlyDictionary<string, string>? Files = null, string? TenantId = null);

/// <summary>Body of <c>POST /api/sessions/{id}/messages</c>.</summary>
/// <param name="Content">The user's message.</param>
public sealed record SendMessageBody(string? Content);

/// <summary>Answer of <c>POST /api/sessions/{id}/messages</c>.</summary>
/// <param name="TurnId">The turn that answers the message.</param>
public sealed record TurnAccepted(string TurnId);

/// <summary>Answer of <c>GET /api/sessions</c>: the sessions, or one page of them.</summary>
/// <param name="Sessions">The sessions, most recently active first.</param>
/// <param name="NextCursor">
/// Where the next page starts: pass it as <c>cursor</c> with the same <c>limit</c>. <see langword="null"/> on the last
/// page and on the whole list; written as <c>null</c> rather than left out, so a client reads the end of the list plainly.
/// </param>
public sealed record SessionList(
    IReadOnlyList<SessionListItem> Sessions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor = null);

/// <summary>Answer of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>ok</c>.</param>
/// <param name="Time">The server's clock.</param>
/// <param name="Sandbox">What the sandbox provider enforces on this machine, and what not.</param>
public sealed record HealthReport(string Status, DateTimeOffset Time, Sandboxes.SandboxEnforcement? Sandbox = null);

/// <summary>Body of <c>PATCH /api/sessions/{id}</c>.</summary>
/// <param name="Budget">The session's own model budget; <see langword="null"/> to fall back to its profile's.</param>
/// <param name="ProfileVersion">
/// The version of its profile the session moves to: a number, or the string <c>latest</c>. A body with this and no
/// <c>budget</c> leaves the budget as it is.
/// </param>
public sealed record UpdateSessionBody(Gateway.ModelBudget? Budget, System.Text.Json.JsonElement? ProfileVersion = null);

/// <summary>Body of <c>POST /api/sessions/{id}/approvals/{approvalId}</c> (and the hub's <c>AnswerApproval</c>).</summary>
/// <param name="Decision"><c>allow</c> or <c>deny</c>.</param>
/// <param name="UpdatedInput">With an allow, the input to run the tool with instead of the agent's (a JSON object).</param>
/// <param name="Message">With a deny, what the agent is told.</param>
/// <param name="Remember"><c>session</c>: an allow stands for this tool for the rest of the session.</param>
/// <param name="OptionId">The agent's option to pick, when it offered options.</param>
public sealed record AnswerApprovalBody(string? Decision, System.Text.Json.JsonElement? UpdatedInput = null, string? Message = null, string? Remember = null, string? OptionId = null);

/// <summary>Answer of <c>POST /api/sessions/{id}/interrupt</c>.</summary>
/// <param name="TurnId">The turn being stopped.</param>
public sealed record InterruptAccepted(string TurnId);

/// <summary>Answer of <c>PUT /api/sessions/{id}/files/{path}</c>.</summary>
/// <param name="Path">The stored path.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Created">Whether the file is new.</param>
/// <param name="Changed">Whether the content changed (false when the same bytes were there).</param>
public sealed record FileWritten(string Path, long Size, bool Created, bool Changed);

/// <summary>Answer of <c>GET /api/me</c>: who the credential speaks for.</summary>
/// <param name="TenantId">The caller's tenant.</param>
/// <param name="Scopes">What it may do: <c>sessions</c>, <c>admin</c>.</param>
/// <param name="KeyId">The API key's public id; <see langword="null"/> for a JWT or with authentication off.</param>
/// <param name="AuthMode">The server's <c>AgentRuntime:Auth:Mode</c>: <c>apikey</c>, <c>jwt</c> or <c>none</c>.</param>
public sealed record CallerInfo(string TenantId, IReadOnlyList<string> Scopes, string? KeyId, string AuthMode);

/// <summary>Body of <c>POST /api/keys</c>.</summary>
/// <param name="TenantId">The tenant the key speaks for; the caller's own when absent.</param>
/// <param name="Scopes">What it may do; <c>["sessions"]</c> when absent.</param>
/// <param name="Name">A label for people.</param>
public sealed record CreateApiKeyBody(string? TenantId = null, IReadOnlyList<string>? Scopes = null, string? Name = null);

/// <summary>An API key as <c>GET /api/keys</c> lists it: never its secret.</summary>
/// <param name="KeyId">The public id.</param>
/// <param name="TenantId">The tenant it speaks for.</param>
/// <param name="Scopes">What it may do.</param>
/// <param name="Name">A label for people.</param>
/// <param name="CreatedAt">When it was made.</param>
public record ApiKeyInfo(string KeyId, string TenantId, IReadOnlyList<string> Scopes, string? Name, DateTimeOffset CreatedAt);

/// <summary>Answer of <c>POST /api/keys</c>: the key with its secret, shown this once.</summary>
/// <param name="KeyId">The public id.</param>
/// <param name="TenantId">The tenant it speaks for.</param>
/// <param name="Scopes">What it may do.</param>
/// <param name="Name">A label for people.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Key">The whole key, <c>ar_&lt;keyId&gt;.&lt;secret&gt;</c>, to send as <c>Authorization: Bearer</c>; the server keeps only a hash.</param>
public sealed record CreatedApiKey(string KeyId, string TenantId, IReadOnlyList<string> Scopes, string? Name, DateTimeOffset CreatedAt, string Key)
    : ApiKeyInfo(KeyId, TenantId, Scopes, Name, CreatedAt);
