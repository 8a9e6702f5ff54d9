using AgentRuntime.Architectures;
using AgentRuntime.Architectures.Acp.Connection;
using AgentRuntime.Architectures.Acp.Materialization;
using AgentRuntime.Architectures.Gemini.Cli;
using AgentRuntime.Architectures.Gemini.Hosting;
using AgentRuntime.Architectures.Gemini.Sessions;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Gemini;

/// <summary>
/// The <c>gemini-cli</c> architecture: the Gemini CLI started in the sandbox with <c>--acp</c> and driven over the
/// Agent Client Protocol like any ACP agent, kept alive between turns. What is Gemini's own: its settings file and
/// environment, its tool names, the tool output it leaves out of ACP (read from its session file), and its session
/// files, which are persisted, resumed with <c>session/load</c> and parsed back into blocks.
/// </summary>
internal sealed partial class GeminiCliArchitecture(IOptions<GeminiCliOptions> options, TimeProvider time, ILogger<GeminiCliArchitecture> logger)
    : IAgentArchitecture
{
    public const string ArchitectureName = "gemini-cli";

    public const string AgentName = "The Gemini CLI";

    private const string MissingApiKey = "No Gemini API key is configured. Set AgentRuntime:Gemini:ApiKey or GEMINI_API_KEY.";

    public string Name => ArchitectureName;

    /// <summary>
    /// Subagents: the CLI has its own (<c>~/.gemini/agents/*.md</c>), but the runtime does not write or show them yet.
    /// Packages: the runtime does not install any yet.
    /// </summary>
    public IReadOnlyList<string> UnsupportedProfileFields { get; } = ["subagents"];

    public ArchitectureAvailability GetAvailability()
    {
        var settings = options.Value;
        if (settings.CliPath is null || !AgentCliLocator.Exists(settings.CliPath, Environment.GetEnvironmentVariable("PATH")))
        {
            var where = settings.CliPath is null
                ? $"no {GeminiCliOptionsSetup.CliLocator.PinnedRelativePath} above the application or working directory and no 'gemini' on PATH"
                : $"'{settings.CliPath}' does not exist";
            return new ArchitectureAvailability(Name, false, $"The Gemini CLI was not found ({where}). Install agents/ or set {GeminiCliOptions.SectionName}:CliPath.");
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
        [GeminiProjectPaths.ProjectDirectory(sandbox.WorkspacePath)];

    public async Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ApiKey))
        {
            throw new AgentException(MissingApiKey, "missing_api_key");
        }

        if (GetAvailability() is { Available: false, Reason: { } reason })
        {
            throw new AgentException(reason, "cli_not_found");
        }

        var sandbox = context.Sandbox;
        try
        {
            await GeminiHome.PrepareAsync(sandbox, context.Profile, context.BundledMcpFolders, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // The sandbox's file API refuses a path through a link: something in the home was replaced by one.
            throw new AgentException($"The sandbox home could not be prepared for {AgentName}: {ex.Message}", "sandbox_home_tampered", ex);
        }
        var chats = GeminiProjectPaths.ChatsDirectory(sandbox.WorkspacePath);
        var latest = GeminiSessionFiles.LatestWithFile(await GeminiSessionFiles.ReadAsync(sandbox, chats, null, cancellationToken).ConfigureAwait(false));
        var resume = latest?.Conversation.SessionId;
        if (context.Resume && resume is null)
        {
            LogNothingToResume(logger, context.Session.SessionId, chats);
        }

        if (latest is { File: var file })
        {
            await KeepFromBeingOverwrittenAsync(sandbox, file, cancellationToken).ConfigureAwait(false);
        }

        var spec = GeminiProcessSpec.Build(settings, context);
        LogStarting(logger, context.Session.SessionId, spec.Command, resume);
        var model = context.Profile.Model ?? settings.Model;
        return await AcpLauncher.StartAsync(new AcpLaunch
        {
            AgentName = AgentName,
            Sandbox = sandbox,
            Process = spec,
            SessionId = context.Session.SessionId,
            Totals = context.Session.Metadata,
            TurnTimeout = settings.TurnTimeout,
            ResumeSessionId = resume,
            // The CLI reads and writes its workspace itself; serving fs/* would only add round trips.
            ServeFileSystem = false,
            AllowedTools = context.Profile.AllowedTools,
            PermissionMode = context.PermissionMode,
            ToolName = GeminiToolCalls.ToolName,
            ThoughtSeparator = GeminiTranscriptParser.ThoughtSeparator,
            Model = model,
            SetModel = false,
            ToolDetails = acpSessionId => new GeminiToolDetailsSource(sandbox, chats, acpSessionId),
            // The CLI takes MCP servers from session/new as from its settings (0.61.0, merged over them); bundled ones
            // get their folder as working directory through the launch command.
            McpServers = AcpMcpServers.FromProfile(context.Profile, context.Secrets, sandbox.HomePath, context.BundledMcpFolders),
            Commands = context.Profile.Commands,
        }, time, logger, cancellationToken).ConfigureAwait(false);
    }

    public ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session) =>
        GeminiTranscriptParser.Parse(files, session);

    // On session/load the CLI first starts a fresh file for the session, named session-<minute>-<id>.jsonl, and if the
    // conversation's own file has that name (it was created in the same minute) it appends a reset to it, wiping the
    // conversation before reading it (0.61.0). A conversation file whose minute is now is renamed out of the way; the
    // CLI finds it by content and goes on appending to it under its new name.
    private async Task KeepFromBeingOverwrittenAsync(ISandbox sandbox, NativeTranscriptFile file, CancellationToken cancellationToken)
    {
        if (GeminiProjectPaths.CreatedMinute(file.RelativePath) is not { } minute || (time.GetUtcNow() - minute).Duration() >= TimeSpan.FromMinutes(2))
        {
            return;
        }

        var stem = file.RelativePath[..^".jsonl".Length] + "-resumed";
        var renamed = stem + ".jsonl";
        for (var n = 2; await sandbox.ReadFileAsync(SandboxRoot.Home, renamed, cancellationToken).ConfigureAwait(false) is not null; n++)
        {
            renamed = $"{stem}-{n}.jsonl";
        }

        await sandbox.WriteFileAsync(SandboxRoot.Home, renamed, file.Content, cancellationToken).ConfigureAwait(false);
        await sandbox.DeleteFileAsync(SandboxRoot.Home, file.RelativePath, cancellationToken).ConfigureAwait(false);
        LogRenamed(logger, file.RelativePath, renamed);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Renamed {From} to {To} so that the Gemini CLI does not reset it when loading the session")]
    private static partial void LogRenamed(ILogger logger, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: starting the Gemini CLI with {Command} (resuming: {Resume})")]
    private static partial void LogStarting(ILogger logger, string sessionId, string command, string? resume);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: asked to resume but {Chats} holds no session to resume; starting a new one")]
    private static partial void LogNothingToResume(ILogger logger, string sessionId, string chats);
}
