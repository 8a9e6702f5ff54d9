using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Gateway;

/// <summary>
/// Settings of the sandbox gateway, bound from the configuration section <c>AgentRuntime:Gateway</c>
/// (so <c>AgentRuntime__Gateway__UpstreamTimeout</c> sets <see cref="UpstreamTimeout"/> from the environment).
/// </summary>
public sealed class SandboxGatewayOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Gateway";

    /// <summary>
    /// Model prices by model-name prefix (the longest matching prefix wins, case-insensitively), used for cost
    /// budgets. Configured entries are added to the defaults or replace those of the same prefix. A call to a model
    /// with no price counts its tokens but costs nothing.
    /// </summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = DefaultPrices();

    /// <summary>The largest request head (request line and headers) the model proxy takes from a sandbox, in bytes.</summary>
    [Range(16 * 1024, 1024 * 1024)]
    public int MaxRequestHeadersBytes { get; set; } = 64 * 1024;

    /// <summary>The largest request body the model proxy takes from a sandbox, in bytes.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>How long the model API may take to start answering, and then between two pieces of its answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The largest answer body (JSON) or server-sent event line the proxy parses for usage, in bytes; a larger one is
    /// passed through whole but not counted.
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxUsageParseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long the egress proxy waits for a sandbox's request head, and for a connection to an allowed host.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan EgressTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// List prices in US dollars per million tokens as the providers publish them (standard tier; Anthropic's cache
    /// write is the 5-minute one; Gemini's prices for prompts up to 200k tokens, and its cache write, which Gemini
    /// bills as storage instead, at the input price). They change: keep them current, or configure your own.
    /// </summary>
    public static Dictionary<string, ModelPrice> DefaultPrices() => new(StringComparer.OrdinalIgnoreCase)
    {
        // A Claude model newer than this list is priced as the newest listed one of its family until it is listed,
        // rather than at nothing; Gemini's names put the tier (pro, flash) after the version, so no such fallback
        // fits them, and an unlisted Gemini model costs nothing (the proxy warns once per model).
        ["claude-opus"] = new() { Input = 5m, Output = 25m, CacheWrite = 6.25m, CacheRead = 0.50m },
        ["claude-sonnet"] = new() { Input = 3m, Output = 15m, CacheWrite = 3.75m, CacheRead = 0.30m },
        ["claude-haiku"] = new() { Input = 1m, Output = 5m, CacheWrite = 1.25m, CacheRead = 0.10m },
        ["claude-opus-4-5"] = new() { Input = 5m, Output = 25m, CacheWrite = 6.25m, CacheRead = 0.50m },
        ["claude-opus-4"] = new() { Input = 15m, Output = 75m, CacheWrite = 18.75m, CacheRead = 1.50m },
        ["claude-sonnet-4"] = new() { Input = 3m, Output = 15m, CacheWrite = 3.75m, CacheRead = 0.30m },
        ["claude-haiku-4"] = new() { Input = 1m, Output = 5m, CacheWrite = 1.25m, CacheRead = 0.10m },
        ["claude-3-7-sonnet"] = new() { Input = 3m, Output = 15m, CacheWrite = 3.75m, CacheRead = 0.30m },
        ["claude-3-5-sonnet"] = new() { Input = 3m, Output = 15m, CacheWrite = 3.75m, CacheRead = 0.30m },
        ["claude-3-5-haiku"] = new() { Input = 0.80m, Output = 4m, CacheWrite = 1m, CacheRead = 0.08m },
        ["claude-3-opus"] = new() { Input = 15m, Output = 75m, CacheWrite = 18.75m, CacheRead = 1.50m },
        ["claude-3-haiku"] = new() { Input = 0.25m, Output = 1.25m, CacheWrite = 0.30m, CacheRead = 0.03m },
        ["gemini-3-pro"] = new() { Input = 2m, Output = 12m, CacheWrite = 2m, CacheRead = 0.20m },
        ["gemini-2.5-pro"] = new() { Input = 1.25m, Output = 10m, CacheWrite = 1.25m, CacheRead = 0.125m },
        ["gemini-2.5-flash"] = new() { Input = 0.30m, Output = 2.50m, CacheWrite = 0.30m, CacheRead = 0.03m },
        ["gemini-2.5-flash-lite"] = new() { Input = 0.10m, Output = 0.40m, CacheWrite = 0.10m, CacheRead = 0.01m },
        ["gemini-2.0-flash"] = new() { Input = 0.10m, Output = 0.40m, CacheWrite = 0.10m, CacheRead = 0.025m },
        ["gemini-2.0-flash-lite"] = new() { Input = 0.075m, Output = 0.30m, CacheWrite = 0.075m, CacheRead = 0.075m },
    };
}

/// <summary>What a model costs, in US dollars per million tokens.</summary>
public sealed class ModelPrice
{
    /// <summary>Input tokens not read from or written to the prompt cache.</summary>
    public decimal Input { get; set; }

    /// <summary>Output tokens (thinking included).</summary>
    public decimal Output { get; set; }

    /// <summary>Input tokens written to the prompt cache.</summary>
    public decimal CacheWrite { get; set; }

    /// <summary>Input tokens read from the prompt cache.</summary>
    public decimal CacheRead { get; set; }
}
