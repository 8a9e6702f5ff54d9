using AgentRuntime.Gateway;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Connection;
using AgentRuntime.Architectures.Acp.Materialization;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp;

/// <summary>
/// The <c>acp</c> architecture: any agent that speaks the Agent Client Protocol over stdio, started in the sandbox
/// with the configured command, kept alive between turns with one ACP session. The agent's session id is kept in
/// <c>.agent-runtime/acp/session.json</c> under the sandbox home (persisted like a transcript), so a new sandbox
/// resumes with <c>session/load</c> when the agent can. Of the profile it applies what ACP and the agent's conventions
/// allow: the MCP servers in <c>session/new</c>, the instructions as the workspace's <c>AGENTS.md</c>
/// (<see cref="WorkspaceAgentsMd"/>), the environment variables, the slash commands (expanded by the runtime), the
/// allowed tools (as answers to the agent's permission requests).
/// </summary>
internal sealed partial class AcpArchitecture(IOptions<AcpAgentOptions> options, TimeProvider time, ILogger<AcpArchitecture> logger) : IAgentArchitecture
{
    public const string ArchitectureName = "acp";

    /// <summary>Where the architecture keeps its own state under the sandbox home.</summary>
    public const string StateDirectory = ".agent-runtime/acp";

    private const string StateFile = StateDirectory + "/session.json";

    // Persisted with the state directory, so the AGENTS.md the runtime wrote is still known as its own in a new sandbox.
    private const string AgentsMdRecord = StateDirectory + "/agents-md.json";

    public string Name => ArchitectureName;

    /// <summary>
    /// ACP has no system prompt, tool list, skills or subagents, and a generic agent has no known place for them; nor
    /// does the runtime install packages yet.
    /// </summary>
    public IReadOnlyList<string> UnsupportedProfileFields { get; } = ["systemPrompt", "tools", "skills", "subagents"];

    public ArchitectureAvailability GetAvailability()
    {
        var command = options.Value.Command;
        if (string.IsNullOrWhiteSpace(command))
        {
            return new ArchitectureAvailability(Name, false, $"No ACP agent is configured: set {AcpAgentOptions.SectionName}:Command (and Args).");
        }

        if (Path.IsPathRooted(command) && !File.Exists(command))
        {
            return new ArchitectureAvailability(Name, false, $"The ACP agent '{command}' ({AcpAgentOptions.SectionName}:Command) does not exist.");
        }

        return new ArchitectureAvailability(Name, true, null);
    }

    public IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session) =>
        [StateDirectory, .. options.Value.TranscriptDirectories];

    public async Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (GetAvailability() is { Available: false, Reason: { } reason })
        {
            throw new AgentException(reason, string.IsNullOrWhiteSpace(settings.Command) ? "agent_not_configured" : "cli_not_found");
        }

        var resume = context.Resume ? await ReadSessionIdAsync(context.Sandbox, cancellationToken).ConfigureAwait(false) : null;
        if (context.Resume && resume is null)
        {
            LogNothingToResume(logger, context.Session.SessionId, StateFile);
        }

        var profile = context.Profile;
        await BundledMcpFiles.WriteAsync(context.Sandbox, profile, context.BundledMcpFolders, cancellationToken).ConfigureAwait(false);
        var notices = new List<string>();
        if (await WorkspaceAgentsMd.ApplyAsync(context.Sandbox, profile.AgentMdFile, AgentsMdRecord, cancellationToken).ConfigureAwait(false) is { } notWritten)
        {
            LogAgentsMdKept(logger, context.Session.SessionId);
            notices.Add(notWritten);
        }

        // The profile's variables over the configured ones, and the runtime's own (HOME, the model's) over both.
        var environment = new Dictionary<string, string>(settings.Env);
        foreach (var (name, value) in ProfileValues.Resolve(profile.EnvironmentVariables, context.Secrets))
        {
            environment[name] = value;
        }

        environment["HOME"] = context.Sandbox.HomePath;
        if (settings.Model is { } model)
        {
            environment.AddModelAccess(context, new Gateway.ModelUpstream(model.Api, new Uri(model.BaseUrl), model.ApiKey), model.KeyVariable, model.BaseUrlVariable);
        }

        var command = settings.Command!;
        var launch = new AcpLaunch
        {
            AgentName = $"The ACP agent '{Path.GetFileName(command)}'",
            Sandbox = context.Sandbox,
            Process = new SandboxProcessSpec
            {
                Command = command,
                Arguments = settings.Args,
                Environment = environment,
                WorkingDirectory = context.Sandbox.WorkspacePath,
                // The command and any script it is given (node agent.js) must be visible in an isolating sandbox.
                ReadOnlyPaths = settings.Args.Prepend(command).Where(Path.IsPathRooted).SelectMany(CommandInstallation.RootsOf).Distinct().ToList(),
            },
            SessionId = context.Session.SessionId,
            Totals = context.Session.Metadata,
            TurnTimeout = settings.TurnTimeout,
            ResumeSessionId = resume,
            ServeFileSystem = settings.ServeFileSystem,
            AllowedTools = context.Profile.AllowedTools,
            PermissionMode = context.PermissionMode,
            Model = context.Profile.Model,
            SetModel = true,
            McpServers = AcpMcpServers.FromProfile(profile, context.Secrets, context.Sandbox.HomePath, context.BundledMcpFolders),
            Commands = profile.Commands,
            Notices = notices,
            OnSessionStarted = (id, token) => context.Sandbox.WriteFileAsync(
                SandboxRoot.Home, StateFile, Encoding.UTF8.GetBytes(new JsonObject { ["acpSessionId"] = id }.ToJsonString()), token),
        };
        LogStarting(logger, context.Session.SessionId, command, resume);
        return await AcpLauncher.StartAsync(launch, time, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A generic agent's native session files have no known format, so nothing is rebuilt from them; the session's
    /// event log stays the record of what was said.
    /// </summary>
    public ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session) => new([], []);

    private static async Task<string?> ReadSessionIdAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        var bytes = await sandbox.ReadFileAsync(SandboxRoot.Home, StateFile, cancellationToken).ConfigureAwait(false);
        try
        {
            return bytes is null ? null : JsonNode.Parse(bytes)?["acpSessionId"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: starting ACP agent {Command} (resuming: {Resume})")]
    private static partial void LogStarting(ILogger logger, string sessionId, string command, string? resume);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: asked to resume but {StateFile} is not in the sandbox home; starting a new ACP session")]
    private static partial void LogNothingToResume(ILogger logger, string sessionId, string stateFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the workspace has an AGENTS.md the runtime did not write; the profile's agentMDFile is not written over it")]
    private static partial void LogAgentsMdKept(ILogger logger, string sessionId);
}
