using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using AgentRuntime.Client.Internal;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace AgentRuntime.Client;

// The hub subscriptions: they outlive a dropped connection by reconnecting and subscribing again from their cursor.
public sealed partial class AgentRuntimeClient
{
    /// <summary>
    /// Follows a session over the hub: its logged events after <paramref name="afterSeq"/>, then its live events,
    /// each exactly once and in seq order (<c>afterSeq + 1, afterSeq + 2, …</c>). When the connection drops, the client
    /// reconnects and subscribes again after the last seq it yielded; a duplicate is skipped and a gap makes it
    /// subscribe again from there, so the caller never sees either. The stream ends when the session is deleted,
    /// and throws after <see cref="AgentRuntimeClientOptions.MaxReconnectAttempts"/> failed attempts in a row.
    /// It first reads the session over REST, so an unknown session (or another tenant's) fails at once. When the server
    /// refuses the credential on a reconnect (the key was revoked, which also closes the connection), it throws
    /// <see cref="AgentRuntimeApiException"/> with 401 at once rather than retrying.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="afterSeq">The last seq already seen; 0 to start from the beginning of the log.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session; 401 when the credential is refused.</exception>
    public async IAsyncEnumerable<SessionEvent> SubscribeAsync(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);

        // An unknown session fails here, with the server's problem details. Later, the session going missing can only
        // mean it was deleted while followed (the hub then ends the stream or refuses it, depending on the moment),
        // and the subscription simply ends.
        await GetSessionAsync(sessionId, lifetime.Token).ConfigureAwait(false);
        var cursor = new SeqCursor(afterSeq);
        var events = ResumableStream.ReadAsync(
            token => OpenSessionStreamAsync(sessionId, cursor.Last, token),
            cursor.Accept,
            (failure, token) => ShouldResumeSessionAsync(sessionId, failure, token),
            _reconnect,
            lifetime.Token);
        await foreach (var e in events.ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>
    /// Follows the session list over the hub: a change whenever a session is created, changes turn state, sandbox or
    /// activity, or is deleted. Survives a dropped connection by subscribing again; changes that happened while it was
    /// away are not replayed (the list has no log), so a caller that must not miss one re-reads
    /// <see cref="ListSessionsAsync(CancellationToken)"/> when it matters. It has the sessions the caller may see: its
    /// tenant's, or every tenant's for an admin.
    /// </summary>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <exception cref="AgentRuntimeApiException">401 or 403 when the hub refuses the connection.</exception>
    public async IAsyncEnumerable<SessionListChange> SubscribeSessionListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var changes = ResumableStream.ReadAsync(
            OpenSessionListStreamAsync,
            _ => ItemStep.Yield,
            (failure, _) =>
            {
                ThrowIfRefused(failure);
                return Task.FromResult(failure is not HubException);
            },
            _reconnect,
            lifetime.Token);
        await foreach (var change in changes.ConfigureAwait(false))
        {
            yield return change;
        }
    }

    private async IAsyncEnumerable<SessionEvent> OpenSessionStreamAsync(string sessionId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await _hub.GetConnectedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in connection.StreamAsync<SessionEvent>("SubscribeSession", sessionId, afterSeq, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    private async IAsyncEnumerable<SessionListChange> OpenSessionListStreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await _hub.GetConnectedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var change in connection.StreamAsync<SessionListChange>("SubscribeSessionList", cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
    }

    /// <summary>
    /// Decides what a subscription that ended means. The hub ends a session's stream, or refuses a new one, when the
    /// session is deleted; it ends it too when the server unloads the session (at shutdown), and refuses a subscriber
    /// that fell behind. The session's existence tells these apart, so this asks the REST API rather than reading
    /// error messages.
    /// </summary>
    private async Task<bool> ShouldResumeSessionAsync(string sessionId, Exception? failure, CancellationToken cancellationToken)
    {
        ThrowIfRefused(failure);
        if (failure is not null and not HubException)
        {
            // The connection broke (or could not be made): resume.
            return true;
        }

        try
        {
            await GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AgentRuntimeApiException ex) when (IsNotFound(ex))
        {
            return false;
        }
        catch (HttpRequestException)
        {
            // The server is going away (a restart): resume, and let the policy bound the attempts.
            return true;
        }
        catch (AgentRuntimeApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            // The server is stopping, or its node is handing the session to another: resume, as for a restart.
            return true;
        }
    }

    /// <summary>
    /// Throws <paramref name="failure"/> when it is the server's answer rather than a broken connection: the hub
    /// refused to start (401 after a key was revoked, 403), which no retry changes.
    /// </summary>
    private static void ThrowIfRefused(Exception? failure)
    {
        if (failure is AgentRuntimeApiException)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }
}
