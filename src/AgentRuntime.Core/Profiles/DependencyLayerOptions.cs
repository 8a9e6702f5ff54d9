namespace AgentRuntime.Profiles;

/// <summary>
/// How profiles' dependencies are installed (<c>AgentRuntime:Dependencies</c>): npm and pip packages and bundled MCP
/// servers' install commands, once per distinct set, into a read-only layer every sandbox of the profile sees.
/// </summary>
public sealed class DependencyLayerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentRuntime:Dependencies";

    /// <summary>Where layers are kept; <c>layers</c> under the data directory when empty.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// The npm registry to install from (<c>npm_config_registry</c>); npm's own default when empty. Its host must be on the
    /// profile's network allowlist, since installs go out through the sandbox's egress proxy.
    /// </summary>
    public string? NpmRegistry { get; set; }

    /// <summary>The Python package index to install from (<c>PIP_INDEX_URL</c>); pip's own default when empty. Its host must be allowed as above.</summary>
    public string? PipIndexUrl { get; set; }

    /// <summary>How long one layer's installation may take in all before it fails.</summary>
    public TimeSpan InstallTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
