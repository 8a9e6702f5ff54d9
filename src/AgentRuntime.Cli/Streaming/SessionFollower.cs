using System.Net;
using System.Text.Json;
using AgentRuntime.Cli.Rendering;
using AgentRuntime.Client;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Spectre.Console;

namespace AgentRuntime.Cli.Streaming;

/// <summary>How following a session ended.</summary>
internal enum FollowEnd
{
    /// <summary>The event the caller waited for arrived (for <c>send</c>: its turn ended).</summary>
    Reached,

    /// <summary>The server ended the stream: the session was deleted.</summary>
    SessionGone,

    /// <summary>Ctrl-C (the second one while a turn ran).</summary>
    StoppedByUser,
}

/// <summary>
/// Follows one session live for <c>send</c> and <c>attach</c>: renders (or prints as JSON lines) each event once, in
/// seq order, through the client's subscription, which reconnects after a dropped connection and resumes after the last
/// seq it gave, so nothing is missed or repeated. It owns Ctrl-C meanwhile (the first press interrupts a running turn,
/// the next one stops following) and, on a terminal, asks the person about approvals as they come.
/// </summary>
internal sealed class SessionFollower(CliHost host, AgentRuntimeClient client, string sessionId, bool json)
{
    private readonly Dictionary<string, CancellationTokenSource> _prompts = [];
    private readonly List<Task> _promptTasks = [];
    private volatile bool _turnRunning;
    private int _presses;

    /// <summary>The last seq printed; 0 before the first.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The last event printed.</summary>
    public SessionEvent? LastEvent { get; private set; }

    /// <summary>
    /// Prints the session's events after <paramref name="afterSeq"/> until <paramref name="isEnd"/> matches one, the
    /// session is deleted, or the person stops it.
    /// </summary>
    /// <param name="detail">The session as read before subscribing: its turn state, its metadata (the usage line counts
    /// from it), the approvals pending then and the seq it was read at.</param>
    /// <param name="afterSeq">The last seq not to print.</param>
    /// <param name="isEnd">Whether an event ends the following (after it is printed).</param>
    /// <param name="cancellationToken">Ends the following (the run was cancelled).</param>
    public async Task<FollowEnd> FollowAsync(SessionDetail detail, long afterSeq, Func<SessionEvent, bool> isEnd, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var renderer = json ? null : new EventRenderer(host.Console, afterSeq >= detail.LastSeq ? detail.Metadata : null);
        var pendingAtStart = detail.PendingApprovals.Select(a => a.ApprovalId).ToHashSet();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stoppedByUser = false;
        _turnRunning = detail.TurnState != TurnState.Idle;
        LastSeq = afterSeq;

        using var key = host.CancelKeys.Take(() =>
        {
            if (Interlocked.Increment(ref _presses) == 1 && _turnRunning)
            {
                host.WriteNotice("Interrupting the turn… (Ctrl-C again to stop following)");
                _ = InterruptAsync();
            }
            else
            {
                stoppedByUser = true;
                stop.Cancel();
            }
        });

        try
        {
            await foreach (var e in client.SubscribeAsync(sessionId, afterSeq, stop.Token).ConfigureAwait(false))
            {
                // The turn's state first: once its end is on screen, Ctrl-C must already stop following rather than interrupt.
                LastSeq = e.Seq;
                LastEvent = e;
                // A replayed turn is history: until the log passes the seq the detail was read at, the detail's state holds.
                switch (e)
                {
                    case TurnStartedEvent when e.Seq > detail.LastSeq:
                        _turnRunning = true;
                        Interlocked.Exchange(ref _presses, 0);
                        break;
                    case TurnCompletedEvent or TurnFailedEvent when e.Seq > detail.LastSeq:
                        _turnRunning = false;
                        break;
                }

                Print(renderer, e);
                switch (e)
                {
                    case ApprovalRequestedEvent approval when approval.Seq > detail.LastSeq || pendingAtStart.Contains(approval.ApprovalId):
                        OnApprovalRequested(approval, stop.Token);
                        break;
                    case ApprovalResolvedEvent resolved:
                        CancelPrompt(resolved.ApprovalId);
                        break;
                }

                if (isEnd(e))
                {
                    return FollowEnd.Reached;
                }
            }

            return FollowEnd.SessionGone;
        }
        catch (OperationCanceledException) when (stoppedByUser)
        {
            return FollowEnd.StoppedByUser;
        }
        finally
        {
            lock (host.OutputLock)
            {
                renderer?.EndLine();
            }

            foreach (var id in _prompts.Keys)
            {
                CancelPrompt(id);
            }

            await Task.WhenAll(_promptTasks).ConfigureAwait(false);
            foreach (var prompt in _prompts.Values)
            {
                prompt.Dispose();
            }
        }
    }

    private void Print(EventRenderer? renderer, SessionEvent e)
    {
        if (renderer is null)
        {
            host.WriteRawLine(JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent));
            return;
        }

        lock (host.OutputLock)
        {
            renderer.Render(e);
        }
    }

    private void OnApprovalRequested(ApprovalRequestedEvent approval, CancellationToken cancellationToken)
    {
        if (json || !host.CanPrompt)
        {
            var answer = $"answer with: agent-runtime approve {sessionId} {approval.ApprovalId}   (or: deny {sessionId} {approval.ApprovalId})";
            if (json)
            {
                host.WriteNotice(answer);
            }
            else
            {
                lock (host.OutputLock)
                {
                    host.Console.Write(new Text($"  {answer}", new Style(decoration: Decoration.Dim)));
                    host.Console.WriteLine();
                }
            }

            return;
        }

        var prompt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _prompts[approval.ApprovalId] = prompt;
        _promptTasks.Add(PromptAsync(approval, prompt.Token));
    }

    private async Task PromptAsync(ApprovalRequestedEvent approval, CancellationToken cancellationToken)
    {
        try
        {
            var question = new TextPrompt<string>(
                    Markup.Escape($"Allow {approval.ToolName}? (y = yes, n = no, a = always for this session)"),
                    StringComparer.OrdinalIgnoreCase)
                .AddChoices(["y", "n", "a"]);
            var choice = (await question.ShowAsync(host.Console, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
            var answer = new ApprovalAnswer
            {
                Decision = choice == "n" ? ApprovalDecisionKind.Deny : ApprovalDecisionKind.Allow,
                Remember = choice == "a",
                Message = choice == "n" ? "Denied from the terminal." : null,
            };
            await client.AnswerApprovalAsync(sessionId, approval.ApprovalId, answer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Answered elsewhere (the web UI, another terminal), timed out, or the following ended.
        }
        catch (AgentRuntimeApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            host.WriteNotice($"The approval {approval.ApprovalId} was decided already.");
        }
        catch (Exception ex) when (ex is AgentRuntimeApiException or HttpRequestException)
        {
            host.WriteError($"could not answer the approval: {ex.Message}");
        }
    }

    private void CancelPrompt(string approvalId)
    {
        // Disposed at the end, once the prompt's task has seen the cancellation.
        if (_prompts.TryGetValue(approvalId, out var prompt))
        {
            prompt.Cancel();
        }
    }

    private async Task InterruptAsync()
    {
        try
        {
            await client.InterruptAsync(sessionId).ConfigureAwait(false);
        }
        catch (AgentRuntimeApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // The turn ended on its own meanwhile.
        }
        catch (Exception ex) when (ex is AgentRuntimeApiException or HttpRequestException)
        {
            host.WriteError($"could not interrupt the turn: {ex.Message}");
        }
    }
}
