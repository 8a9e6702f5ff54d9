using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Architectures.Acp;

/// <summary>
/// Settings of the generic <c>acp</c> architecture, bound from the configuration section <c>AgentRuntime:Acp</c>:
/// any agent that speaks the Agent Client Protocol over standard input and output, started in the sandbox with
/// <see cref="Command"/> and <see cref="Args"/> (so <c>AgentRuntime__Acp__Command</c> sets the command from the
/// environment).
/// </summary>
public sealed class AcpAgentOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Acp";

    /// <summary>The agent's executable, as a path or a name on the sandbox's <c>PATH</c>; the architecture is unavailable without one.</summary>
    public string? Command { get; set; }

    /// <summary>The agent's arguments, each passed as is (no shell), such as <c>["--acp"]</c>.</summary>
    public List<string> Args { get; set; } = [];

    /// <summary>Environment variables for the agent (its API key, its model server), on top of the sandbox's own.</summary>
    public Dictionary<string, string> Env { get; set; } = [];

    /// <summary>
    /// Whether the runtime serves the ACP file methods (<c>fs/read_text_file</c>, <c>fs/write_text_file</c>) from the
    /// workspace and advertises them, so that agents which edit through their client see the same files either way.
    /// </summary>
    public bool ServeFileSystem { get; set; } = true;

    /// <summary>
    /// Directories under the sandbox home where the agent keeps its sessions, persisted after every turn and restored
    /// before it starts again, so that <c>session/load</c> finds them in a new sandbox.
    /// </summary>
    public List<string> TranscriptDirectories { get; set; } = [];

    /// <summary>How long one turn may run before it is cancelled and fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan TurnTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
