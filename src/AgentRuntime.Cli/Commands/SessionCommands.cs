using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Api;
using AgentRuntime.Cli.Rendering;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Spectre.Console;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>sessions list | create | show | delete</c>.</summary>
internal static class SessionCommands
{
    public static Command Build(CliHost host, GlobalOptions options)
    {
        var sessions = new Command("sessions", "List, create, show and delete sessions");
        sessions.Subcommands.Add(BuildList(host, options));
        sessions.Subcommands.Add(BuildCreate(host, options));
        sessions.Subcommands.Add(BuildShow(host, options));
        sessions.Subcommands.Add(BuildDelete(host, options));
        return sessions;
    }

    private static Command BuildList(CliHost host, GlobalOptions options)
    {
        var list = new Command("list", "The sessions the key may see, most recently active first");
        list.Aliases.Add("ls");
        list.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var sessions = await client.ListSessionsAsync(ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new SessionList(sessions), AgentRuntimeJsonContext.Default.SessionList);
                return ExitCodes.Success;
            }

            if (sessions.Count == 0)
            {
                host.Console.WriteLine("No sessions. Make one with: agent-runtime sessions create");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("ID", "NAME", "ARCHITECTURE", "PROFILE", "STATE", "LAST ACTIVE");
            foreach (var s in sessions)
            {
                table.AddRow(
                    new Text(s.SessionId),
                    new Text(s.Name ?? ""),
                    new Text(s.Architecture),
                    new Text(s.AgentProfileVersion is { } v ? $"{s.AgentProfileRef} v{v}" : s.AgentProfileRef),
                    new Text(Describe(s.TurnState), StateStyle(s.TurnState)),
                    new Text(FormatTime(s.LastActivity)));
            }

            host.Console.Write(table);
            return ExitCodes.Success;
        });
        return list;
    }

    private static Command BuildCreate(CliHost host, GlobalOptions options)
    {
        var profile = new Option<string>("--profile", "-p") { Description = "The agent profile", DefaultValueFactory = _ => "default" };
        var architecture = new Option<string>("--architecture", "-a") { Description = "The agent architecture", DefaultValueFactory = _ => "claude-agent-sdk" };
        var name = new Option<string?>("--name", "-n") { Description = "A display name" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the new session's id" };
        var create = new Command("create", "Create a session") { profile, architecture, name, quiet };
        create.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var session = await client.CreateSessionAsync(
                context.Parse.GetValue(profile)!, context.Parse.GetValue(architecture)!, context.Parse.GetValue(name), cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(session, AgentRuntimeJsonContext.Default.SessionListItem);
            }
            else if (context.Parse.GetValue(quiet))
            {
                host.WriteRawLine(session.SessionId);
            }
            else
            {
                host.Console.Write(new Text($"Created session {session.SessionId} ({session.Architecture}, profile {session.AgentProfileRef}).", new Style(Color.Green)));
                host.Console.WriteLine();
                host.Console.Write(new Text($"Send it a message: agent-runtime send {session.SessionId} \"…\"", new Style(decoration: Decoration.Dim)));
                host.Console.WriteLine();
            }

            return ExitCodes.Success;
        });
        return create;
    }

    private static Command BuildShow(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var show = new Command("show", "A session's state, usage, files and conversation") { id };
        show.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var detail = await client.GetSessionAsync(context.Parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(detail, AgentRuntimeJsonContext.Default.SessionDetail);
                return ExitCodes.Success;
            }

            var console = host.Console;
            console.Write(new Text($"Session {detail.SessionId}{(detail.Name is { } n ? $" \"{n}\"" : "")}", new Style(decoration: Decoration.Bold)));
            console.WriteLine();
            var facts = new Grid().AddColumn(new GridColumn().PadRight(2)).AddColumn();
            facts.AddRow("architecture", detail.Architecture);
            facts.AddRow("profile", detail.AgentProfileVersion is { } v ? $"{detail.AgentProfileRef} v{v}" : detail.AgentProfileRef);
            facts.AddRow(new Text("state"), new Text(Describe(detail.TurnState), StateStyle(detail.TurnState)));
            facts.AddRow("sandbox", detail.Runtime.Sandbox is { } sandbox ? $"{sandbox.Status.ToString().ToLowerInvariant()} {sandbox.SandboxId}".TrimEnd() : "none");
            facts.AddRow("created", FormatTime(detail.CreatedAt));
            facts.AddRow("last active", FormatTime(detail.LastActivity));
            if (detail.Metadata is { } metadata)
            {
                facts.AddRow("usage", string.Create(
                    CultureInfo.InvariantCulture,
                    $"{metadata.Usage.InputTokens:N0} in · {metadata.Usage.OutputTokens:N0} out · ${metadata.CostUsd:0.0000}{(metadata.Model is { } m ? $" · {m}" : "")}"));
            }

            facts.AddRow("files", detail.WorkspaceFiles.Count.ToString(CultureInfo.InvariantCulture));
            facts.AddRow("last seq", detail.LastSeq.ToString(CultureInfo.InvariantCulture));
            foreach (var approval in detail.PendingApprovals)
            {
                facts.AddRow(new Text("approval"), new Text($"{approval.ApprovalId}: {approval.ToolName} {ToolInputSummary.Of(approval.Input)}", new Style(Color.Yellow)));
            }

            console.Write(facts);
            if (detail.Blocks.Count > 0)
            {
                console.WriteLine();
                new EventRenderer(console).RenderConversation(detail.Blocks, detail.Subagents);
            }

            return ExitCodes.Success;
        });
        return show;
    }

    private static Command BuildDelete(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var delete = new Command("delete", "Delete a session: its sandbox is stopped and all its data removed") { id };
        delete.Aliases.Add("rm");
        delete.SetAction(host, options, async (context, ct) =>
        {
            var sessionId = context.Parse.GetValue(id)!;
            await using var client = context.CreateClient();
            await client.DeleteSessionAsync(sessionId, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new JsonObject { ["sessionId"] = sessionId, ["deleted"] = true }, AgentRuntimeJsonContext.Default.JsonObject);
            }
            else
            {
                host.Console.WriteLine($"Deleted session {sessionId}.");
            }

            return ExitCodes.Success;
        });
        return delete;
    }

    internal static string Describe(TurnState state) => state switch
    {
        TurnState.Running => "running",
        TurnState.AwaitingApproval => "awaiting approval",
        _ => "idle",
    };

    private static Style StateStyle(TurnState state) => state switch
    {
        TurnState.Running => new Style(Color.Blue),
        TurnState.AwaitingApproval => new Style(Color.Yellow),
        _ => new Style(decoration: Decoration.Dim),
    };

    private static string FormatTime(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
