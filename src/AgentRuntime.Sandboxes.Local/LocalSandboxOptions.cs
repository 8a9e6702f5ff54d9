namespace AgentRuntime.Sandboxes.Local;

/// <summary>Settings of the local sandbox provider, bound from <c>AgentRuntime:LocalSandbox</c>.</summary>
public sealed class LocalSandboxOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:LocalSandbox";

    /// <summary>Where sandbox directories are made; <c>&lt;DataDirectory&gt;/sandboxes</c> when absent.</summary>
    public string? RootDirectory { get; set; }
}
