using AgentRuntime.Gateway;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Connection;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp;

/// <summary>
/// The <c>acp</c> architecture: any agent that speaks the Agent Client Protocol over stdio, started in the sandbox
/// with the configured command, kept alive between turns with one ACP session. The agent's session id is kept in
/// <c>.agent-runtime/acp/session.json</c> under the sandbox home (persisted like a transcript), so a new sandbox
/// resumes with <c>session/load</c> when the agent can.
/// </summary>
internal sealed partial class AcpArchitecture(IOptions<AcpAgentOptions> options, TimeProvider time, ILogger<AcpArchitecture> logger) : IAgentArchitecture
{
    public const string ArchitectureName = "acp";

    /// <summary>Where the architecture keeps its own state under the sandbox home.</summary>
    public const string StateDirectory = ".agent-runtime/acp";

    private const string StateFile = StateDirectory + "/session.json";

    public string Name => ArchitectureName;

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

        if (context.Profile.SystemPrompt is { Length: > 0 })
        {
            // ACP has no system prompt; an agent takes one through its own configuration (Env, Args).
            LogSystemPromptIgnored(logger, context.Session.SessionId);
        }

        var environment = new Dictionary<string, string>(settings.Env) { ["HOME"] = context.Sandbox.HomePath };
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: the profile's system prompt is not passed to a generic ACP agent")]
    private static partial void LogSystemPromptIgnored(ILogger logger, string sessionId);
}
