using System.Runtime.CompilerServices;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.Security;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;

namespace AgentRuntime.Transport;

/// <summary>
/// The SignalR hub at <c>/hubs/sessions</c>: streams a session's log and then its live events, and the session-list
/// changes. Both are server-to-client streams, so a dropped connection simply subscribes again from its last seq.
/// </summary>
internal sealed class SessionsHub(IAgentSessionManager sessions, ApiKeys keys, LiveEventEncodings encodings, IHostApplicationLifetime lifetime) : Hub
{
    private const string RevocationItem = "agent-runtime:revocation";

    /// <summary>A connection made with an API key is closed when the key is revoked.</summary>
    public override async Task OnConnectedAsync()
    {
        if (Caller.From(Context.User!).KeyId is { } keyId)
        {
            var revoked = await keys.WatchAsync(keyId, Context.ConnectionAborted);
            var context = Context;
            Context.Items[RevocationItem] = revoked.Register(context.Abort);
        }

        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(RevocationItem, out var registration) && registration is CancellationTokenRegistration r)
        {
            r.Dispose();
        }

        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// The events after <paramref name="afterSeq"/>, then live ones; no gap and no duplicate at the seam. Each is a
    /// <see cref="SessionEvent"/> on the wire, its JSON made once for every connection that streams it.
    /// </summary>
    public async IAsyncEnumerable<HubEvent> SubscribeSession(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (afterSeq < 0)
        {
            throw new HubException("afterSeq must be 0 or greater.");
        }

        // Another tenant's session is as missing as one that does not exist.
        if (await sessions.GetSessionTenantAsync(sessionId, cancellationToken) is not { } tenantId || !Caller.From(Context.User!).CanSee(tenantId))
        {
            throw new HubException($"Session '{sessionId}' was not found.");
        }

        // Streams end when the server stops, so shutdown does not wait out its timeout on open subscriptions.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        await foreach (var item in LiveStream.RelayAsync(token => sessions.SubscribeAsync(sessionId, afterSeq, token), idle: null, ToHubException, reportCaughtUp: false, stopping.Token))
        {
            yield return encodings.GetHubEvent(item.Value);
        }
    }

    /// <summary>Stops the session's running turn (as <c>POST /api/sessions/{id}/interrupt</c>); returns the turn's id.</summary>
    public async Task<string> Interrupt(string sessionId) =>
        await CallAsync(sessionId, () => sessions.InterruptAsync(sessionId, Context.ConnectionAborted));

    /// <summary>Answers a pending approval once (as <c>POST /api/sessions/{id}/approvals/{approvalId}</c>).</summary>
    public async Task<SessionEvent> AnswerApproval(string sessionId, string approvalId, AnswerApprovalBody answer) =>
        await CallAsync(sessionId, async () =>
        {
            ApprovalAnswer parsed;
            try
            {
                parsed = ControlEndpoints.ToAnswer(answer);
            }
            catch (BadRequestException ex)
            {
                throw new HubException(ex.Message);
            }

            SessionEvent resolved = await sessions.AnswerApprovalAsync(sessionId, approvalId, parsed, ControlEndpoints.AnsweredBy(Context.User!), Context.ConnectionAborted);
            return resolved;
        });

    /// <summary>Changes to the session list as they happen: the caller's tenant's, or every tenant's for an admin.</summary>
    public async IAsyncEnumerable<SessionListChange> SubscribeSessionList([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = Caller.From(Context.User!);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        await foreach (var item in LiveStream.RelayAsync(sessions.SubscribeSessionListAsync, idle: null, ToHubException, reportCaughtUp: false, stopping.Token))
        {
            if (caller.CanSee(item.Value.TenantId))
            {
                yield return item.Value;
            }
        }
    }

    // A hub method reports errors to its client as HubExceptions; any other exception's message is hidden from it.
    private static Exception ToHubException(Exception error) => error switch
    {
        SubscriberLaggedException or SessionNotFoundException => new HubException(error.Message),
        _ => error,
    };

    // A command on one session: another tenant's is as missing as one that does not exist, and the runtime's refusals
    // reach the caller as hub errors with their message (SignalR hides other exceptions' messages).
    private async Task<T> CallAsync<T>(string sessionId, Func<Task<T>> command)
    {
        if (await sessions.GetSessionTenantAsync(sessionId, Context.ConnectionAborted) is not { } tenantId || !Caller.From(Context.User!).CanSee(tenantId))
        {
            throw new HubException($"Session '{sessionId}' was not found.");
        }

        try
        {
            return await command();
        }
        catch (Exception ex) when (ex is SessionNotFoundException or NoTurnRunningException or ApprovalNotFoundException or ApprovalAlreadyResolvedException or LimitExceededException or ArgumentException or Persistence.EventLogConflictException or NodeStoppingException)
        {
            throw new HubException(ex.Message);
        }
    }
}
