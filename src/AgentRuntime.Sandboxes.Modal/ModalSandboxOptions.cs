using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>Settings of the Modal sandbox provider, bound from <c>AgentRuntime:Modal</c>.</summary>
public sealed class ModalSandboxOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Modal";

    /// <summary>The token id (<c>ak-…</c>); the environment's <c>MODAL_TOKEN_ID</c> when absent.</summary>
    public string? TokenId { get; set; }

    /// <summary>The token secret (<c>as-…</c>); the environment's <c>MODAL_TOKEN_SECRET</c> when absent.</summary>
    public string? TokenSecret { get; set; }

    /// <summary>The Modal app the sandboxes belong to; made when missing.</summary>
    [Required]
    public string AppName { get; set; } = "agent-runtime";

    /// <summary>The Modal environment; the workspace's default when empty.</summary>
    public string Environment { get; set; } = "";

    /// <summary>
    /// Modal's API. <c>https://</c> is TLS; <c>http://</c> (cleartext HTTP/2) is only for a Modal-compatible server on
    /// loopback, as the tests run.
    /// </summary>
    [Required]
    public Uri ServerUrl { get; set; } = new("https://api.modal.com:443");

    /// <summary>The registry image the sandbox image starts from; it must hold node and npm.</summary>
    [Required]
    public string BaseImage { get; set; } = "node:22-bookworm-slim";

    /// <summary>More Dockerfile commands run after the agent CLIs are installed (such as <c>RUN apt-get install -y git</c>).</summary>
    public IList<string> ImageCommands { get; } = [];

    /// <summary>
    /// The directory of the pinned agent CLIs (<c>package.json</c>, <c>package-lock.json</c>, <c>node_modules</c>) on
    /// this machine; the image installs the same packages at the same path, so a command path means the same inside.
    /// When absent, the first <c>agents</c> directory with a lock file found walking up from the application.
    /// </summary>
    public string? AgentsDirectory { get; set; }

    /// <summary>CPU cores reserved per sandbox.</summary>
    [Range(0.125, 64)]
    public double Cpu { get; set; } = 1;

    /// <summary>Memory reserved per sandbox, in MiB.</summary>
    [Range(128, 262144)]
    public int MemoryMiB { get; set; } = 2048;

    /// <summary>The longest a sandbox lives, whatever it does (Modal's limit is 24 hours).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long Modal keeps a sandbox nobody execs into; it covers a runtime that went away without terminating it. The
    /// runtime closes idle sandboxes itself sooner (<c>AgentRuntime:SandboxIdleTimeout</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a new sandbox may take to be scheduled and started.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an image build may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan ImageBuildTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Retries of an idempotent call that failed with a transient error (unavailable, deadline exceeded).</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first retry's delay; later ones back off exponentially, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The token id in force: the configured one, else <c>MODAL_TOKEN_ID</c>.</summary>
    internal string? EffectiveTokenId => TokenId is { Length: > 0 } id ? id : System.Environment.GetEnvironmentVariable("MODAL_TOKEN_ID");

    /// <summary>The token secret in force: the configured one, else <c>MODAL_TOKEN_SECRET</c>.</summary>
    internal string? EffectiveTokenSecret => TokenSecret is { Length: > 0 } secret ? secret : System.Environment.GetEnvironmentVariable("MODAL_TOKEN_SECRET");
}
