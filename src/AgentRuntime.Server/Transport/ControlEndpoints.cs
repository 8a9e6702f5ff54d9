using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Approvals;
using AgentRuntime.Events;
using AgentRuntime.OpenApi;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentRuntime.Transport;

/// <summary>
/// Control of a session: <c>POST /interrupt</c>, <c>POST /approvals/{approvalId}</c> and <c>PATCH /options</c>, mapped
/// into the session's route group (which checks the caller may see the session).
/// </summary>
internal static class ControlEndpoints
{
    public static void MapControlApi(this RouteGroupBuilder session)
    {
        session.MapPost("/interrupt", async (string id, IAgentSessionManager sessions, CancellationToken ct) =>
            TypedResults.Accepted($"/api/sessions/{id}", new InterruptAccepted(await sessions.InterruptAsync(id, ct))))
            .ProducesProblems(StatusCodes.Status409Conflict)
            .WithName("InterruptTurn").WithSummary("Stops the running turn; it completes with stopReason \"interrupted\".");
        session.MapPost("/approvals/{approvalId}", async (string id, string approvalId, HttpRequest request, ClaimsPrincipal user, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.AnswerApprovalBody, ct);
            SessionEvent resolved = await sessions.AnswerApprovalAsync(id, approvalId, ToAnswer(body), AnsweredBy(user), ct);
            return TypedResults.Ok(resolved);
        }).AcceptsJson<AnswerApprovalBody>().ProducesProblems(StatusCodes.Status409Conflict)
            .WithName("AnswerApproval").WithSummary("Allows or denies a tool call that waits for approval; answers with the approval's resolution event.");
        session.MapPatch("/options", async (string id, HttpRequest request, IAgentSessionManager sessions, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(request, AgentRuntimeJsonContext.Default.JsonObject, ct);
            var (update, budget) = ToOptionsUpdate(body);
            if (budget is not null)
            {
                await sessions.SetBudgetAsync(id, budget.Budget, ct);
            }

            return TypedResults.Ok(await sessions.UpdateOptionsAsync(id, update, ct));
        }).AcceptsJson<SessionOptionsBody>()
            .WithName("UpdateSessionOptions").WithSummary("Changes the session's model, permission mode or budget from its next turn on.");
    }

    /// <summary>A client's answer, checked: a clear 400 for anything but allow or deny and their details.</summary>
    public static ApprovalAnswer ToAnswer(AnswerApprovalBody? body)
    {
        var decision = body?.Decision switch
        {
            "allow" => ApprovalDecisionKind.Allow,
            "deny" => ApprovalDecisionKind.Deny,
            _ => throw new BadRequestException($"'decision' must be \"allow\" or \"deny\", not {(body?.Decision is null ? "missing" : $"\"{body.Decision}\"")}."),
        };
        if (body.Remember is not (null or "session"))
        {
            throw new BadRequestException($"'remember' can only be \"session\", not \"{body.Remember}\".");
        }

        if (body.UpdatedInput is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw new BadRequestException("'updatedInput' must be a JSON object: the tool's whole input.");
        }

        return new ApprovalAnswer
        {
            Decision = decision,
            UpdatedInput = body.UpdatedInput is { ValueKind: JsonValueKind.Object } input ? input : null,
            Message = body.Message,
            OptionId = body.OptionId,
            Remember = body.Remember == "session",
        };
    }

    /// <summary>
    /// Who answers, as the log records it: <c>key:&lt;id&gt;</c> for an API key, <c>user:&lt;subject&gt;</c> for a token,
    /// else <c>tenant:&lt;id&gt;</c> (authentication off).
    /// </summary>
    public static string AnsweredBy(ClaimsPrincipal user)
    {
        var caller = Caller.From(user);
        return caller.KeyId is { } keyId ? $"key:{keyId}"
            : (user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier)) is { } subject ? $"user:{subject}"
            : $"tenant:{caller.TenantId}";
    }

    // PATCH /options: a property left out stays; model "" or null, permissionMode null go back to the profile's.
    private static (SessionOptionsUpdate Update, BudgetChange? Budget) ToOptionsUpdate(JsonObject body)
    {
        foreach (var (name, _) in body)
        {
            if (name is not ("model" or "permissionMode" or "budget"))
            {
                throw new BadRequestException($"'{name}' is not a session option; the options are model, permissionMode and budget.");
            }
        }

        string? model = null;
        if (body.TryGetPropertyValue("model", out var modelNode))
        {
            model = modelNode is null ? "" : modelNode.GetValueKind() == JsonValueKind.String
                ? modelNode.GetValue<string>()
                : throw new BadRequestException("'model' must be a string (or null for the profile's model).");
        }

        PermissionMode? mode = null;
        var clearMode = false;
        if (body.TryGetPropertyValue("permissionMode", out var modeNode))
        {
            clearMode = modeNode is null;
            mode = modeNode is null ? null : (modeNode.GetValueKind() == JsonValueKind.String ? modeNode.GetValue<string>() : null) switch
            {
                "bypass" => PermissionMode.Bypass,
                "ask" => PermissionMode.Ask,
                "rules" => PermissionMode.Rules,
                _ => throw new BadRequestException("'permissionMode' must be \"bypass\", \"ask\" or \"rules\" (or null for the profile's)."),
            };
        }

        BudgetChange? budget = null;
        if (body.TryGetPropertyValue("budget", out var budgetNode))
        {
            try
            {
                budget = new BudgetChange(budgetNode?.Deserialize(AgentRuntimeJsonContext.Default.ModelBudget));
            }
            catch (JsonException ex)
            {
                throw new BadRequestException($"'budget' is not a budget: {ex.Message}");
            }
        }

        return (new SessionOptionsUpdate { Model = model, PermissionMode = mode, ClearPermissionMode = clearMode }, budget);
    }

    // A budget given (null included: back to the profile's), as against one left out.
    private sealed record BudgetChange(Gateway.ModelBudget? Budget);
}

/// <summary>
/// Body of <c>PATCH /api/sessions/{id}/options</c>, as the document describes it. The handler reads the JSON object
/// itself: a property left out stays as it is, while <c>null</c> goes back to the profile's, which this record cannot tell apart.
/// </summary>
/// <param name="Model">The model instead of the profile's; <c>null</c> or <c>""</c> for the profile's.</param>
/// <param name="PermissionMode">The permission mode instead of the profile's; <c>null</c> for the profile's.</param>
/// <param name="Budget">The session's own model budget; <c>null</c> for the profile's.</param>
internal sealed record SessionOptionsBody(string? Model = null, PermissionMode? PermissionMode = null, Gateway.ModelBudget? Budget = null);
