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
    /// The model API the agent calls, when the runtime should keep its key: the agent then gets a token of its sandbox's
    /// in <see cref="AcpModelOptions.KeyVariable"/> and the runtime's model proxy in
    /// <see cref="AcpModelOptions.BaseUrlVariable"/>, and the key never enters the sandbox. Without it, whatever
    /// <see cref="Env"/> holds reaches the agent as it is.
    /// </summary>
    public AcpModelOptions? Model { get; set; }

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

/// <summary>The model API of a generic ACP agent, reached through the runtime's model proxy (<c>AgentRuntime:Acp:Model</c>).</summary>
public sealed class AcpModelOptions
{
    /// <summary>The API's wire format: <c>Anthropic</c> or <c>Gemini</c>.</summary>
    public Gateway.ModelApiKind Api { get; set; } = Gateway.ModelApiKind.Anthropic;

    /// <summary>The API's base address, where the proxy forwards.</summary>
    [Required]
    public string BaseUrl { get; set; } = "";

    /// <summary>The real key, kept by the proxy.</summary>
    [Required]
    public string ApiKey { get; set; } = "";

    /// <summary>The variable the agent reads its key from, such as <c>ANTHROPIC_API_KEY</c>.</summary>
    [Required]
    public string KeyVariable { get; set; } = "";

    /// <summary>The variable the agent reads its API base address from, such as <c>ANTHROPIC_BASE_URL</c>.</summary>
    [Required]
    public string BaseUrlVariable { get; set; } = "";
}
