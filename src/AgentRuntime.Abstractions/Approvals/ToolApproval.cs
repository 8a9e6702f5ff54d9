using System.Text.Json;
using AgentRuntime.Events;

namespace AgentRuntime.Approvals;

/// <summary>
/// Decides the agent's requests to run tools for one turn: a rule may decide at once; otherwise the request is put on
/// record in the session's log and waits for a person's answer. The agent connection calls it when the agent asks.
/// </summary>
public interface IToolApprovals
{
    /// <summary>
    /// Registers a request. The ticket's <see cref="ToolApprovalTicket.Events"/> are what the session's log must show
    /// for it, in order after what the agent said before asking (the connection yields them in its next batch); its
    /// <see cref="ToolApprovalTicket.Decision"/> completes with the answer, which the connection hands to the agent.
    /// </summary>
    ToolApprovalTicket Request(ToolApprovalRequest request);
}

/// <summary>An agent's request to run a tool.</summary>
public sealed record ToolApprovalRequest
{
    /// <summary><c>main</c> or the subagent whose thread the tool call is in.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The tool call's block, when the agent announced it before asking.</summary>
    public string? BlockId { get; init; }

    /// <summary>The agent's id of the tool call.</summary>
    public string? ToolUseId { get; init; }

    /// <summary>The tool's name.</summary>
    public required string ToolName { get; init; }

    /// <summary>What kind of tool it is, when the agent says (ACP: <c>read</c>, <c>edit</c>, <c>execute</c>, ...).</summary>
    public string? ToolKind { get; init; }

    /// <summary>The tool's input.</summary>
    public required JsonElement Input { get; init; }

    /// <summary>The answers the agent offers, when it offers a choice (ACP); empty for a plain allow or deny.</summary>
    public IReadOnlyList<ApprovalOption> Options { get; init; } = [];
}

/// <summary>A decision on a <see cref="ToolApprovalRequest"/>.</summary>
public sealed record ToolApprovalDecision
{
    /// <summary>Whether the tool may run.</summary>
    public required bool Allow { get; init; }

    /// <summary>The input to run the tool with instead of the agent's, when a person changed it.</summary>
    public JsonElement? UpdatedInput { get; init; }

    /// <summary>Why it was denied, as the agent (and its model) is told.</summary>
    public string? Message { get; init; }

    /// <summary>The agent's option chosen, when it offered options.</summary>
    public string? OptionId { get; init; }

    /// <summary>Whether the decision stands for the rest of the session (the agent may remember it too).</summary>
    public bool Remember { get; init; }
}

/// <summary>What the session's log shows for a request, and the decision to come.</summary>
/// <param name="Events">Events to log now, in order with the agent's own; empty when a rule decided.</param>
/// <param name="Decision">Completes with the decision.</param>
public sealed record ToolApprovalTicket(IReadOnlyList<SessionEvent> Events, Task<ToolApprovalDecision> Decision);

/// <summary>One of the answers an agent offers for a permission request.</summary>
public sealed record ApprovalOption
{
    /// <summary>The agent's id of the option.</summary>
    public required string OptionId { get; init; }

    /// <summary>Its label.</summary>
    public required string Name { get; init; }

    /// <summary><c>allow_once</c>, <c>allow_always</c>, <c>reject_once</c> or <c>reject_always</c>.</summary>
    public required string Kind { get; init; }
}
