using System.CommandLine;

namespace AgentRuntime.Cli.Commands;

/// <summary>The command line: <c>agent-runtime [--url] [--api-key] [--json] &lt;command&gt;</c>.</summary>
internal static class CommandTree
{
    public static RootCommand Build(CliHost host, GlobalOptions options)
    {
        var root = new RootCommand("agent-runtime: a terminal client of the agent runtime server — sessions, live turns, files and approvals.");
        root.Options.Add(options.Url);
        root.Options.Add(options.ApiKey);
        root.Options.Add(options.Json);
        root.Subcommands.Add(SessionCommands.Build(host, options));
        root.Subcommands.Add(TurnCommands.BuildSend(host, options));
        root.Subcommands.Add(TurnCommands.BuildAttach(host, options));
        root.Subcommands.Add(TurnCommands.BuildInterrupt(host, options));
        root.Subcommands.Add(ApprovalCommands.Build(host, options, approve: true));
        root.Subcommands.Add(ApprovalCommands.Build(host, options, approve: false));
        root.Subcommands.Add(FileCommands.Build(host, options));
        return root;
    }

    /// <summary>The session id argument most commands start with.</summary>
    public static Argument<string> SessionId() => new("session") { Description = "The session's id" };

    /// <summary>Sets <paramref name="command"/>'s action, giving it a <see cref="CommandContext"/>.</summary>
    public static void SetAction(this Command command, CliHost host, GlobalOptions options, Func<CommandContext, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, cancellationToken) => action(new CommandContext(host, options, parse), cancellationToken));
}
