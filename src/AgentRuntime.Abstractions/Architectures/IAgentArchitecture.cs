using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Architectures;

/// <summary>
/// A way of running an agent: which CLI to start in the sandbox, how to drive it, how to map its output to
/// events, and where it keeps its native transcript.
/// </summary>
public interface IAgentArchitecture
{
    /// <summary>The architecture's name as sessions refer to it, such as <c>claude-agent-sdk</c>.</summary>
    string Name { get; }

    /// <summary>Whether this server can run the architecture now, and why not.</summary>
    ArchitectureAvailability GetAvailability();

    /// <summary>
    /// Like <see cref="GetAvailability"/>, and also runs what it can cheaply (an agent CLI's <c>--version</c>) to tell a
    /// CLI that is there from one that runs; for readiness probes, which call it at most once a minute.
    /// </summary>
    Task<ArchitectureAvailability> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(GetAvailability());

    /// <summary>
    /// The directories under the sandbox home where the agent keeps the session's native transcript; the runtime
    /// persists the files under them after every turn and restores them before the agent starts again.
    /// </summary>
    IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session);

    /// <summary>Starts the agent in the sandbox. <paramref name="context"/> says whether it resumes a conversation.</summary>
    /// <exception cref="AgentException">The agent cannot start; the message says why (a missing key, a missing CLI).</exception>
    Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken);

    /// <summary>Rebuilds the conversation's blocks from its native transcript files.</summary>
    ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session);

    /// <summary>
    /// The profile fields (by their JSON names, such as <c>subagents</c>) this architecture cannot apply. A session whose
    /// profile sets one gets a <c>system</c> block <c>profile_not_applied</c> saying so, and
    /// <c>GET /api/architectures</c> lists them.
    /// </summary>
    IReadOnlyList<string> UnsupportedProfileFields => [];
}

/// <summary>What an agent is started with.</summary>
public sealed record AgentConnectContext
{
    /// <summary>The sandbox to run in; its home already holds the restored transcript.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The session.</summary>
    public required SessionRecord Session { get; init; }

    /// <summary>The session's agent profile, with the session's own options (its model) applied.</summary>
    public required AgentProfile Profile { get; init; }

    /// <summary>
    /// Whether the agent asks before it runs tools. Other than <see cref="Approvals.PermissionMode.Bypass"/>, the agent
    /// is started so that it asks (Claude Code: <c>--permission-prompt-tool stdio</c>), and each turn's
    /// <see cref="AgentTurn.Approvals"/> answers.
    /// </summary>
    public Approvals.PermissionMode PermissionMode { get; init; }

    /// <summary>Whether the conversation has earlier turns to resume.</summary>
    public required bool Resume { get; init; }

    /// <summary>
    /// How the agent reaches its model: tokens for the runtime's model proxy at <see cref="ISandbox.ModelProxyUrl"/>.
    /// <see langword="null"/> when the sandbox has no way to a model; the agent then gets no key at all.
    /// </summary>
    public Gateway.IModelAccess? ModelAccess { get; init; }

    /// <summary>
    /// The values of the secrets the profile refers to (<c>{"secretRef": "NAME"}</c>), by name, from the runtime's
    /// configuration (<c>AgentRuntime:Secrets:NAME</c>). A reference to a secret the runtime does not hold fails the
    /// start before the agent is asked to connect.
    /// </summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The folders, as the sandbox sees them, of the profile's bundled MCP servers that were installed (those with an
    /// <c>installCommand</c>), by name: read-only, in the profile's dependency layer. A server listed here runs from its
    /// folder; the others are copied into the sandbox's home as before.
    /// </summary>
    public IReadOnlyDictionary<string, string> BundledMcpFolders { get; init; } = new Dictionary<string, string>();
}

/// <summary>Whether an architecture can run here.</summary>
/// <param name="Name">The architecture's name.</param>
/// <param name="Available">Whether it can run now.</param>
/// <param name="Reason">Why not, when it cannot.</param>
public sealed record ArchitectureAvailability(string Name, bool Available, string? Reason)
{
    /// <summary>The profile fields the architecture cannot apply (see <see cref="IAgentArchitecture.UnsupportedProfileFields"/>).</summary>
    public IReadOnlyList<string> UnsupportedProfileFields { get; init; } = [];
}

/// <summary>A file of an agent's native transcript, relative to the sandbox home.</summary>
/// <param name="RelativePath">Path under the home directory, with forward slashes.</param>
/// <param name="Content">The file's bytes.</param>
public sealed record NativeTranscriptFile(string RelativePath, byte[] Content);

/// <summary>Blocks rebuilt from a native transcript.</summary>
/// <param name="Blocks">The main thread.</param>
/// <param name="Subagents">The subagents' threads.</param>
public sealed record ParsedTranscript(IReadOnlyList<Blocks.ConversationBlock> Blocks, IReadOnlyList<SubagentThread> Subagents);

/// <summary>The agent failed in a way a user should read.</summary>
/// <param name="message">What went wrong.</param>
/// <param name="code">A stable code, such as <c>missing_api_key</c>.</param>
/// <param name="inner">The cause.</param>
public sealed class AgentException(string message, string code, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A stable code for programs.</summary>
    public string Code { get; } = code;
}
