using System.CommandLine;
using AgentRuntime.Cli.Rendering;
using AgentRuntime.Client;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Spectre.Console;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>approve</c> and <c>deny</c>: answer a tool call that waits for a person.</summary>
internal static class ApprovalCommands
{
    public static Command Build(CliHost host, GlobalOptions options, bool approve)
    {
        var id = CommandTree.SessionId();
        var approvalId = new Argument<string?>("approval")
        {
            Description = "The approval's id; may be left out when exactly one is pending",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var always = new Option<bool>("--always") { Description = "Allow this tool for the rest of the session" };
        var message = new Option<string?>("--message", "-m") { Description = "What the agent is told about the denial" };
        var command = approve
            ? new Command("approve", "Allow a tool call that waits for approval") { id, approvalId, always }
            : new Command("deny", "Deny a tool call that waits for approval") { id, approvalId, message };
        command.SetAction(host, options, async (context, ct) =>
        {
            var sessionId = context.Parse.GetValue(id)!;
            await using var client = context.CreateClient();
            var target = context.Parse.GetValue(approvalId) ?? await SinglePendingAsync(client, sessionId, ct).ConfigureAwait(false);
            var answer = approve
                ? new ApprovalAnswer { Decision = ApprovalDecisionKind.Allow, Remember = context.Parse.GetValue(always) }
                : new ApprovalAnswer { Decision = ApprovalDecisionKind.Deny, Message = context.Parse.GetValue(message) };
            var resolved = await client.AnswerApprovalAsync(sessionId, target, answer, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson<SessionEvent>(resolved, AgentRuntimeJsonContext.Default.SessionEvent);
            }
            else if (approve)
            {
                host.Console.Write(new Text($"Allowed {target}{(resolved.Remember ? " (and the tool for the rest of the session)" : "")}.", new Style(Color.Green)));
                host.Console.WriteLine();
            }
            else
            {
                host.Console.Write(new Text($"Denied {target}.", new Style(Color.Red)));
                host.Console.WriteLine();
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> SinglePendingAsync(AgentRuntimeClient client, string sessionId, CancellationToken cancellationToken)
    {
        var pending = (await client.GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false)).PendingApprovals;
        return pending.Count switch
        {
            1 => pending[0].ApprovalId,
            0 => throw new CliFailureException($"No approval is pending in session {sessionId}."),
            _ => throw new CliFailureException(
                $"{pending.Count} approvals are pending in session {sessionId}; name one:{Environment.NewLine}" +
                string.Join(Environment.NewLine, pending.Select(a => $"  {a.ApprovalId}  {a.ToolName} {ToolInputSummary.Of(a.Input)}"))),
        };
    }
}
