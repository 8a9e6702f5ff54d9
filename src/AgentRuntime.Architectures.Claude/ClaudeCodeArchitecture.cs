using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Claude.Cli;
using AgentRuntime.Architectures.Claude.Hosting;
using AgentRuntime.Architectures.Claude.Profiles;
using AgentRuntime.Architectures.Claude.StreamJson;
using AgentRuntime.Architectures.Claude.Transcripts;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Claude;

/// <summary>
/// The <c>claude-agent-sdk</c> architecture: the Claude Code CLI, started in the sandbox the way the Claude Agent SDK
/// starts it (<c>-p</c> with stream-json in and out), kept alive between turns.
/// </summary>
internal sealed partial class ClaudeCodeArchitecture(IOptions<ClaudeCodeOptions> options, TimeProvider time, ILogger<ClaudeCodeArchitecture> logger)
    : IAgentArchitecture
{
    public const string ArchitectureName = "claude-agent-sdk";

    private const string MissingApiKey = "No Anthropic API key is configured. Set AgentRuntime:Claude:ApiKey or ANTHROPIC_API_KEY.";

    public string Name => ArchitectureName;

    // Everything in a profile reaches Claude Code (see ClaudeHome); its packages are in the dependency layer the runtime mounts.
    public IReadOnlyList<string> UnsupportedProfileFields { get; } = [];

    public ArchitectureAvailability GetAvailability()
    {
        var settings = options.Value;
        if (settings.CliPath is null || !AgentCliLocator.Exists(settings.CliPath, Environment.GetEnvironmentVariable("PATH")))
        {
            var where = settings.CliPath is null
                ? $"no {ClaudeCodeOptionsSetup.CliLocator.PinnedRelativePath} above the application or working directory and no 'claude' on PATH"
                : $"'{settings.CliPath}' does not exist";
            return new ArchitectureAvailability(Name, false, $"The Claude Code CLI was not found ({where}). Install agents/ or set {ClaudeCodeOptions.SectionName}:CliPath.");
        }

        if (settings.ApiKey is null)
        {
            return new ArchitectureAvailability(Name, false, MissingApiKey);
        }

        return new ArchitectureAvailability(Name, true, null);
    }

    public Task<ArchitectureAvailability> ProbeAsync(CancellationToken cancellationToken) =>
        AgentCliProbe.ProbeAsync(GetAvailability(), options.Value.CliPath, cancellationToken);

    public IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session) =>
        [ClaudeProjectPaths.ProjectDirectory(sandbox.WorkspacePath)];

    public async Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ApiKey))
        {
            throw new AgentException(MissingApiKey, "missing_api_key");
        }

        if (settings.CliPath is null)
        {
            throw new AgentException(GetAvailability().Reason ?? "The Claude Code CLI was not found.", "cli_not_found");
        }

        var resume = await ShouldResumeAsync(context, cancellationToken).ConfigureAwait(false);
        await ClaudeProfileMaterializer.WriteAsync(context.Sandbox, context.Profile, context.Secrets, context.BundledMcpFolders, cancellationToken).ConfigureAwait(false);
        var spec = ClaudeProcessSpec.Build(settings, context, resume);
        LogStarting(logger, context.Session.SessionId, spec.Command, resume);
        ISandboxProcess process;
        try
        {
            process = await context.Sandbox.StartProcessAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException ex) when (GetAvailability() is { Available: false, Reason: { } reason })
        {
            // The sandbox could not start what is not there; say so in the architecture's terms.
            throw new AgentException(reason, "cli_not_found", ex);
        }

        var mapper = new StreamJsonMapper(time, context.Session.Metadata);
        var connection = new ClaudeCodeConnection(process, mapper, context.Session.SessionId, settings.TurnTimeout, time, logger);
        connection.Start();
        return connection;
    }

    public ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session) =>
        ClaudeTranscriptParser.Parse(files, session);

    // --resume needs the transcript; --session-id refuses an id whose transcript exists. The restored files decide,
    // so that neither a lost transcript nor a restart in a kept sandbox stops the session.
    private async Task<bool> ShouldResumeAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        var transcript = ClaudeProjectPaths.MainTranscript(context.Sandbox.WorkspacePath, context.Session.SessionId);
        var files = await context.Sandbox.ListFilesAsync(SandboxRoot.Home, ClaudeProjectPaths.ProjectDirectory(context.Sandbox.WorkspacePath), cancellationToken)
            .ConfigureAwait(false);
        var exists = files.Any(f => f.RelativePath == transcript);
        if (context.Resume && !exists)
        {
            LogTranscriptMissing(logger, context.Session.SessionId, transcript);
        }

        return exists;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: starting Claude Code {Command} (resume: {Resume})")]
    private static partial void LogStarting(ILogger logger, string sessionId, string command, bool resume);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: asked to resume but {Transcript} is not in the sandbox home; starting a new conversation with the same id")]
    private static partial void LogTranscriptMissing(ILogger logger, string sessionId, string transcript);
}
