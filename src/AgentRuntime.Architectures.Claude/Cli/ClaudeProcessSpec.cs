using AgentRuntime.Architectures.Claude.Profiles;
using AgentRuntime.Gateway;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Claude.Cli;

/// <summary>The command line and environment the CLI starts with, the way the Claude Agent SDK starts it.</summary>
internal static class ClaudeProcessSpec
{
    /// <summary>The Messages API the CLI would call by itself.</summary>
    public const string DefaultBaseUrl = "https://api.anthropic.com";

    public static SandboxProcessSpec Build(ClaudeCodeOptions options, AgentConnectContext context, bool resume)
    {
        var arguments = new List<string>
        {
            "-p",
            "--output-format", "stream-json",
            "--input-format", "stream-json",
            "--verbose",
            "--include-partial-messages",
            // Without it a subagent's text and thinking never reach the stream (only its tool calls do), while the
            // transcript has them: the live view and the parsed transcript would differ.
            "--forward-subagent-text",
            resume ? "--resume" : "--session-id", context.Session.SessionId,
            // The CLI would otherwise keep a conversation's system prompt as first sent and reuse it on resume: a session
            // moved to a newer version of its profile would go on with the old prompt. The session's profile version
            // decides the prompt; it changes only when someone moves the session.
            "--system-prompt-snapshot", "off",
        };

        if (context.PermissionMode != Approvals.PermissionMode.Bypass)
        {
            // The CLI asks before a tool that writes or executes (it lets reads in the workspace through), on its
            // standard output as a can_use_tool control request, and waits for the runtime's answer on its input.
            // The profile's allowed tools run without asking.
            arguments.AddRange(["--permission-mode", "default", "--permission-prompt-tool", "stdio"]);
            if (context.Profile.AllowedTools is { Count: > 0 } allowed)
            {
                arguments.AddRange(["--allowedTools", string.Join(",", allowed)]);
            }
        }
        else if (context.Profile.AllowedTools is { Count: > 0 } tools)
        {
            // With permissions skipped --allowedTools restricts nothing (verified with 2.1.330); in dontAsk mode the
            // listed tools run and any other is denied, since nobody is there to ask. (The CLI still lets read-only
            // commands through, as it always does.)
            arguments.AddRange(["--permission-mode", "dontAsk", "--allowedTools", string.Join(",", tools)]);
        }
        else
        {
            arguments.Add("--dangerously-skip-permissions");
        }

        if ((context.Profile.Model ?? options.Model) is { Length: > 0 } model)
        {
            arguments.AddRange(["--model", model]);
        }

        if (context.Profile.SystemPrompt is { Length: > 0 } prompt)
        {
            arguments.AddRange(["--append-system-prompt", prompt]);
        }

        if (context.Profile.Tools is { } builtIn)
        {
            // One comma-separated value ("" for none): the option takes several, and would take a following argument too.
            arguments.AddRange(["--tools", string.Join(",", builtIn)]);
        }

        // The profile's MCP servers and no others: not the ones the agent may have added to ~/.claude.json, which
        // would otherwise outlast the turn that added them; not a workspace's .mcp.json, which is the user's project.
        arguments.AddRange(["--mcp-config", $"{context.Sandbox.HomePath.TrimEnd('/')}/{ClaudeHome.McpConfigFile}", "--strict-mcp-config"]);

        var environment = new Dictionary<string, string>
        {
            ["HOME"] = context.Sandbox.HomePath,
            ["DISABLE_TELEMETRY"] = "1",
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
            ["DISABLE_AUTOUPDATER"] = "1",
            // Run as root (as in many containers) the CLI refuses to skip permissions unless told it is sandboxed.
            ["IS_SANDBOX"] = "1",
            // Subagents otherwise run in the background by default and report after the turn's result, in a turn
            // the CLI starts on its own; in the foreground they finish inside the turn that started them.
            ["CLAUDE_CODE_DISABLE_BACKGROUND_TASKS"] = "1",
        };
        // The real key never enters the sandbox: the CLI talks to the runtime's model proxy with a token of this sandbox's.
        environment.AddModelAccess(context, new ModelUpstream(ModelApiKind.Anthropic, new Uri(options.BaseUrl ?? DefaultBaseUrl), options.ApiKey ?? ""), "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL");


        // The profile's variables come after the runtime's and never replace one (the validator already refuses the
        // names it reserves); CLAUDE_CONFIG_DIR would move ~/.claude away from the transcripts and the profile's files.
        foreach (var (name, value) in ProfileValues.Resolve(context.Profile.EnvironmentVariables, context.Secrets, "environmentVariables"))
        {
            if (name != "CLAUDE_CONFIG_DIR")
            {
                environment.TryAdd(name, value);
            }
        }

        var command = options.CliPath ?? "claude";
        return new SandboxProcessSpec
        {
            Command = command,
            Arguments = arguments,
            Environment = environment,
            WorkingDirectory = context.Sandbox.WorkspacePath,
            ReadOnlyPaths = CommandInstallation.RootsOf(command),
        };
    }
}
