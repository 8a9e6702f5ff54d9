using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Architectures.Claude;

/// <summary>
/// Settings of the <c>claude-agent-sdk</c> architecture, bound from the configuration section <c>AgentRuntime:Claude</c>
/// (so <c>AgentRuntime__Claude__ApiKey</c> sets <see cref="ApiKey"/> from the environment).
/// </summary>
public sealed class ClaudeCodeOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Claude";

    /// <summary>The Anthropic API key handed to the CLI; the server's <c>ANTHROPIC_API_KEY</c> when absent.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The Messages API base address handed to the CLI; the server's <c>ANTHROPIC_BASE_URL</c> when absent, else the CLI's default.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The model to use when the profile names none; the CLI's default when absent.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// The Claude Code CLI. When absent, the first <c>agents/node_modules/.bin/claude</c> found walking up from the
    /// application's directory or the working directory, else <c>claude</c> on the server's <c>PATH</c>.
    /// </summary>
    public string? CliPath { get; set; }

    /// <summary>How long one turn may run before it is interrupted and fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan TurnTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
