using System.CommandLine;
using System.Net;
using AgentRuntime.Api;
using AgentRuntime.Cli.Streaming;
using AgentRuntime.Client;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using Spectre.Console;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>send</c>, <c>attach</c> and <c>interrupt</c>: the commands about a session's turns.</summary>
internal static class TurnCommands
{
    public static Command BuildSend(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var message = new Argument<string>("message") { Description = "What to say to the agent; - reads it from standard input" };
        var noWait = new Option<bool>("--no-wait") { Description = "Send and exit without following the turn (prints its id)" };
        var send = new Command("send", "Send a message, then follow the turn live until it ends (exit code 1 when it fails)") { id, message, noWait };
        send.SetAction(host, options, async (context, ct) =>
        {
            var sessionId = context.Parse.GetValue(id)!;
            var content = context.Parse.GetValue(message)!;
            if (content == "-")
            {
                content = await host.StandardInput.ReadToEndAsync(ct).ConfigureAwait(false);
            }

            if (string.IsNullOrWhiteSpace(content))
            {
                throw new CliUsageException("The message is empty.");
            }

            await using var client = context.CreateClient();

            // Read before sending: the turn's events all come after this seq, so following from it misses none.
            var detail = await client.GetSessionAsync(sessionId, ct).ConfigureAwait(false);
            string turnId;
            try
            {
                turnId = await client.SendMessageAsync(sessionId, content, ct).ConfigureAwait(false);
            }
            catch (AgentRuntimeApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                host.WriteError($"{ex.Detail ?? ex.Message} Follow it with: agent-runtime attach {sessionId}, or stop it with: agent-runtime interrupt {sessionId}");
                return ExitCodes.Failure;
            }

            if (context.Parse.GetValue(noWait))
            {
                if (context.Json)
                {
                    context.WriteJson(new TurnAccepted(turnId), AgentRuntimeJsonContext.Default.TurnAccepted);
                }
                else
                {
                    host.WriteRawLine(turnId);
                }

                return ExitCodes.Success;
            }

            var follower = new SessionFollower(host, client, sessionId, context.Json);
            var end = await follower.FollowAsync(
                detail,
                detail.LastSeq,
                e => e is TurnCompletedEvent c && c.TurnId == turnId || e is TurnFailedEvent f && f.TurnId == turnId,
                ct).ConfigureAwait(false);
            return end switch
            {
                FollowEnd.Reached => follower.LastEvent switch
                {
                    TurnFailedEvent => ExitCodes.Failure,
                    TurnCompletedEvent { StopReason: "interrupted" } => ExitCodes.Interrupted,
                    _ => ExitCodes.Success,
                },
                FollowEnd.SessionGone => Gone(host, sessionId),
                _ => Stopped(host, sessionId, follower.LastSeq, context.Json),
            };
        });
        return send;
    }

    public static Command BuildAttach(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var after = new Option<long>("--after")
        {
            Description = "Replay the log after this seq (0: the whole session), then follow live",
            DefaultValueFactory = _ => 0,
        };
        after.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 0)
            {
                result.AddError("--after must be 0 or more.");
            }
        });
        var attach = new Command("attach", "Replay a session's history, then follow it live until Ctrl-C") { id, after };
        attach.SetAction(host, options, async (context, ct) =>
        {
            var sessionId = context.Parse.GetValue(id)!;
            await using var client = context.CreateClient();
            var detail = await client.GetSessionAsync(sessionId, ct).ConfigureAwait(false);
            var follower = new SessionFollower(host, client, sessionId, context.Json);
            var end = await follower.FollowAsync(detail, context.Parse.GetValue(after), _ => false, ct).ConfigureAwait(false);
            return end == FollowEnd.SessionGone ? Gone(host, sessionId, failure: false) : Stopped(host, sessionId, follower.LastSeq, context.Json);
        });
        return attach;
    }

    public static Command BuildInterrupt(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var interrupt = new Command("interrupt", "Stop the session's running turn") { id };
        interrupt.SetAction(host, options, async (context, ct) =>
        {
            var sessionId = context.Parse.GetValue(id)!;
            await using var client = context.CreateClient();
            string turnId;
            try
            {
                turnId = await client.InterruptAsync(sessionId, ct).ConfigureAwait(false);
            }
            catch (AgentRuntimeApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                host.WriteError($"No turn is running in session {sessionId}.");
                return ExitCodes.Failure;
            }

            if (context.Json)
            {
                context.WriteJson(new InterruptAccepted(turnId), AgentRuntimeJsonContext.Default.InterruptAccepted);
            }
            else
            {
                host.Console.WriteLine($"Interrupting turn {turnId}.");
            }

            return ExitCodes.Success;
        });
        return interrupt;
    }

    private static int Gone(CliHost host, string sessionId, bool failure = true)
    {
        host.WriteNotice($"Session {sessionId} was deleted.");
        return failure ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static int Stopped(CliHost host, string sessionId, long lastSeq, bool json)
    {
        if (!json)
        {
            host.WriteNotice($"Stopped following at seq {lastSeq}; go on with: agent-runtime attach {sessionId} --after {lastSeq}");
        }

        return ExitCodes.Interrupted;
    }
}
