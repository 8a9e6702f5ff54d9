using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Approvals;
using AgentRuntime.Events;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Claude.Cli;

// The control channel of stream-json: the runtime's requests to the CLI (interrupt) and the CLI's to the runtime
// (can_use_tool, when the CLI runs with --permission-prompt-tool stdio), each a control_request answered by a
// control_response with the same request_id.
internal sealed partial class ClaudeCodeConnection
{
    public async Task InterruptAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _turnRunning) == 0 || Interlocked.Exchange(ref _interrupting, 1) == 1)
        {
            return;
        }

        LogInterruptRequested(_logger, _sessionId);
        await WriteAsync(new JsonObject
        {
            ["type"] = "control_request",
            ["request_id"] = $"interrupt-{Guid.NewGuid():N}",
            ["request"] = new JsonObject { ["subtype"] = "interrupt" },
        }, cancellationToken).ConfigureAwait(false);
    }

    // Read for every line of output: the request's subtype only for a control request.
    private static bool IsControlRequest(JsonObject line, out string? subtype)
    {
        var isRequest = TolerantJson.String(line, "type") == "control_request";
        subtype = isRequest ? TolerantJson.String(TolerantJson.Object(line, "request"), "subtype") : null;
        return isRequest;
    }

    // A permission prompt: the turn's approvals decide (at once by a rule, or later by a person), and the answer goes
    // back to the CLI, which waits for it, whenever it comes. What the log must show for the request joins the batch, in
    // order after the tool call it is about.
    private void Ask(JsonObject line, AgentTurn turn, List<SessionEvent> batch)
    {
        var requestId = TolerantJson.String(line, "request_id") ?? "";
        var request = TolerantJson.Object(line, "request");
        var input = TolerantJson.Object(request, "input") ?? [];
        var toolUseId = TolerantJson.String(request, "tool_use_id");
        var call = toolUseId is null ? null : _mapper.ToolCallOf(toolUseId);
        if (turn.Approvals is not { } approvals)
        {
            _ = AnswerAsync(requestId, input, Task.FromResult(new ToolApprovalDecision { Allow = true }));
            return;
        }

        var ticket = approvals.Request(new ToolApprovalRequest
        {
            ConversationId = call?.ConversationId ?? Conversations.Main,
            BlockId = call?.BlockId,
            ToolUseId = toolUseId,
            ToolName = TolerantJson.String(request, "tool_name") ?? "unknown",
            Input = TolerantJson.ToElement(input),
        });
        batch.AddRange(ticket.Events);
        _ = AnswerAsync(requestId, input, ticket.Decision);
    }

    private async Task AnswerAsync(string requestId, JsonObject input, Task<ToolApprovalDecision> decided)
    {
        ToolApprovalDecision decision;
        try
        {
            decision = await decided.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whoever decides failed (the session closed under it): the tool does not run.
            decision = new ToolApprovalDecision { Allow = false, Message = $"The runtime could not decide: {ex.Message}" };
        }

        // The CLI requires the input back with an allow: the person's changed one, or the agent's own.
        var answer = decision.Allow
            ? new JsonObject { ["behavior"] = "allow", ["updatedInput"] = decision.UpdatedInput is { } updated ? JsonNode.Parse(updated.GetRawText()) : input.DeepClone() }
            : new JsonObject { ["behavior"] = "deny", ["message"] = decision.Message ?? "The user denied this tool call." };
        LogPermissionAnswered(_logger, _sessionId, requestId, decision.Allow);
        try
        {
            await WriteAsync(new JsonObject
            {
                ["type"] = "control_response",
                ["response"] = new JsonObject { ["subtype"] = "success", ["request_id"] = requestId, ["response"] = answer },
            }, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AgentException or OperationCanceledException or ObjectDisposedException)
        {
            // The CLI is gone; nobody waits for the answer.
        }
    }

    private async Task DeclineAsync(JsonObject request, string? subtype)
    {
        LogDeclined(_logger, _sessionId, subtype);
        try
        {
            await WriteAsync(new JsonObject
            {
                ["type"] = "control_response",
                ["response"] = new JsonObject
                {
                    ["subtype"] = "error",
                    ["request_id"] = TolerantJson.String(request, "request_id"),
                    ["error"] = "The agent runtime does not answer this control request.",
                },
            }, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AgentException or OperationCanceledException)
        {
            // The CLI is gone; nothing to answer.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: interrupting the turn at a client's request")]
    private static partial void LogInterruptRequested(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: permission request {RequestId} answered (allowed: {Allowed})")]
    private static partial void LogPermissionAnswered(ILogger logger, string sessionId, string requestId, bool allowed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: declined a control request ({Subtype}) from Claude Code")]
    private static partial void LogDeclined(ILogger logger, string sessionId, string? subtype);
}
