using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Protocol;

/// <summary>Something the agent said on its own, in the order it said it: what the event mapper reads.</summary>
internal abstract record AcpInbound;

/// <summary>A <c>session/update</c> notification.</summary>
/// <param name="SessionId">The ACP session it is about.</param>
/// <param name="Update">The <c>update</c> object, with its <c>sessionUpdate</c> kind.</param>
internal sealed record AcpSessionUpdate(string? SessionId, JsonObject Update) : AcpInbound;

/// <summary>A <c>session/request_permission</c> request, and how the runtime answered it.</summary>
/// <param name="ToolCall">The tool call the agent asks about (an ACP <c>ToolCallUpdate</c>).</param>
/// <param name="Decision">The answer given.</param>
internal sealed record AcpPermissionRequest(JsonObject ToolCall, AcpPermissionDecision Decision) : AcpInbound;

/// <summary>
/// A <c>session/request_permission</c> request that waits for the session's approvals (a permission mode other than
/// bypass): the turn registers it and completes <paramref name="Outcome"/> with the ACP <c>outcome</c> once decided.
/// </summary>
/// <param name="ToolCall">The tool call the agent asks about (an ACP <c>ToolCallUpdate</c>).</param>
/// <param name="Options">The options the agent offers.</param>
/// <param name="Outcome">Completes with the answer's <c>outcome</c>.</param>
internal sealed record AcpPermissionPrompt(JsonObject ToolCall, IReadOnlyList<Approvals.ApprovalOption> Options, TaskCompletionSource<JsonObject> Outcome) : AcpInbound;

/// <summary>The decision on an <see cref="AcpPermissionPrompt"/>, in the order of what the agent says.</summary>
/// <param name="ToolCall">The tool call decided on.</param>
/// <param name="Decision">The answer given.</param>
internal sealed record AcpPermissionAnswered(JsonObject ToolCall, AcpPermissionDecision Decision) : AcpInbound;

/// <summary>Any other notification, kept so that nothing the agent says is dropped unseen.</summary>
/// <param name="Method">The notification's method.</param>
/// <param name="Parameters">Its parameters.</param>
internal sealed record AcpOtherNotification(string Method, JsonNode? Parameters) : AcpInbound;

/// <summary>A line on the agent's output that is not JSON-RPC.</summary>
/// <param name="Line">The line.</param>
internal sealed record AcpUnreadableLine(string Line) : AcpInbound;

/// <summary>Something the runtime itself has to say about the session (what it could not apply of the profile), shown as a system block.</summary>
/// <param name="Subtype">The system block's subtype.</param>
/// <param name="Message">What to say.</param>
/// <param name="Metadata">Details, when there are any.</param>
internal sealed record AcpRuntimeNotice(string Subtype, string Message, JsonObject? Metadata = null) : AcpInbound;
