using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Architectures.Gemini;

/// <summary>
/// Settings of the <c>gemini-cli</c> architecture, bound from the configuration section <c>AgentRuntime:Gemini</c>
/// (so <c>AgentRuntime__Gemini__ApiKey</c> sets <see cref="ApiKey"/> from the environment).
/// </summary>
public sealed class GeminiCliOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Gemini";

    /// <summary>The Gemini API key handed to the CLI; the server's <c>GEMINI_API_KEY</c> when absent.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The Gemini API base address handed to the CLI; the server's <c>GOOGLE_GEMINI_BASE_URL</c> when absent, else the CLI's default.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The model to use when the profile names none, such as <c>gemini-2.5-flash</c>; the CLI's default (<c>auto</c>,
    /// which asks a routing model first) when absent.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>
    /// The Gemini CLI. When absent, the first <c>agents/node_modules/.bin/gemini</c> found walking up from the
    /// application's directory or the working directory, else <c>gemini</c> on the server's <c>PATH</c>. A JavaScript
    /// entry point (the npm package's) is run with the sandbox's <c>node</c>.
    /// </summary>
    public string? CliPath { get; set; }

    /// <summary>How long one turn may run before it is cancelled and fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan TurnTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
