using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Approvals;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Client;

// Control of a running session: stopping its turn, answering approvals, its options.
public sealed partial class AgentRuntimeClient
{
    /// <summary>
    /// <c>POST /api/sessions/{id}/interrupt</c>: stops the running turn, which ends as <c>turn:completed</c> with
    /// <c>stopReason: interrupted</c>. Returns the turn's id.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">409 when no turn runs; 404 when there is no such session.</exception>
    public async Task<string> InterruptAsync(string sessionId, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, $"api/sessions/{Escape(sessionId)}/interrupt", null, AgentRuntimeJsonContext.Default.InterruptAccepted, cancellationToken)
            .ConfigureAwait(false)).TurnId;

    /// <summary>
    /// <c>POST /api/sessions/{id}/approvals/{approvalId}</c>: answers a pending approval (once). Returns the resolution
    /// as the session's log has it.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="approvalId">The approval, from its <see cref="ApprovalRequestedEvent"/> or the session's pending approvals.</param>
    /// <param name="answer">Allow (with a changed input, maybe, and for the rest of the session, maybe) or deny.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">409 when it was decided before; 404 when there is no such approval.</exception>
    public async Task<ApprovalResolvedEvent> AnswerApprovalAsync(string sessionId, string approvalId, ApprovalAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var body = new AnswerApprovalBody(
            answer.Decision == ApprovalDecisionKind.Allow ? "allow" : "deny",
            answer.UpdatedInput,
            answer.Message,
            answer.Remember ? "session" : null,
            answer.OptionId);
        var resolved = await SendAsync(
            HttpMethod.Post,
            $"api/sessions/{Escape(sessionId)}/approvals/{Escape(approvalId)}",
            JsonContent.Create(body, AgentRuntimeJsonContext.Default.AnswerApprovalBody),
            AgentRuntimeJsonContext.Default.SessionEvent,
            cancellationToken).ConfigureAwait(false);
        return resolved as ApprovalResolvedEvent
            ?? throw new AgentRuntimeApiException(System.Net.HttpStatusCode.OK, "Unexpected answer", $"The server answered with a '{resolved.GetType().Name}', not the approval's resolution.");
    }

    /// <summary>
    /// <c>PATCH /api/sessions/{id}/options</c>: changes the session's model or permission mode, from its next turn.
    /// Returns the options as they are now.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="update">What changes: an empty <see cref="SessionOptionsUpdate.Model"/> and
    /// <see cref="SessionOptionsUpdate.ClearPermissionMode"/> go back to the profile's.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">400 for a bad value; 404 when there is no such session.</exception>
    public Task<SessionOptions> UpdateOptionsAsync(string sessionId, SessionOptionsUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var body = new JsonObject();
        if (update.Model is { } model)
        {
            body["model"] = model.Length == 0 ? null : model;
        }

        if (update.ClearPermissionMode)
        {
            body["permissionMode"] = null;
        }
        else if (update.PermissionMode is { } mode)
        {
            body["permissionMode"] = mode switch
            {
                PermissionMode.Ask => "ask",
                PermissionMode.Rules => "rules",
                _ => "bypass",
            };
        }

        return SendAsync(
            HttpMethod.Patch,
            $"api/sessions/{Escape(sessionId)}/options",
            JsonContent.Create(body, AgentRuntimeJsonContext.Default.JsonObject),
            AgentRuntimeJsonContext.Default.SessionOptions,
            cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/sessions/{id}/messages</c> with images: the model sees the images, then the text.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="content">The message's text (may be empty when there are images).</param>
    /// <param name="images">The images, base64-encoded, of the types <see cref="Blocks.MessageImage.MediaTypes"/>.</param>
    /// <param name="cancellationToken">Cancels the request (not the turn it started).</param>
    /// <returns>The id of the turn that answers it.</returns>
    /// <exception cref="AgentRuntimeApiException">400 for a bad image, 413 for too large a message, 409 while a turn runs.</exception>
    public async Task<string> SendMessageAsync(string sessionId, string content, IReadOnlyList<Blocks.MessageImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var parts = new JsonArray([.. images.Select(i => new JsonObject { ["type"] = "image", ["mediaType"] = i.MediaType, ["data"] = i.Data })]);
        parts.Add(new JsonObject { ["type"] = "text", ["text"] = content });
        return (await SendAsync(
            HttpMethod.Post,
            $"api/sessions/{Escape(sessionId)}/messages",
            JsonContent.Create(new JsonObject { ["content"] = parts }, AgentRuntimeJsonContext.Default.JsonObject),
            AgentRuntimeJsonContext.Default.TurnAccepted,
            cancellationToken).ConfigureAwait(false)).TurnId;
    }
}
