namespace AgentRuntime.Sandboxes;

/// <summary>What a sandbox provider enforces on this machine, as <c>GET /api/architectures</c> reports it.</summary>
public sealed record SandboxEnforcement
{
    /// <summary>Processes are isolated from the host (file system, processes, users).</summary>
    public bool Isolation { get; init; }

    /// <summary>Each sandbox has its own network namespace, so <c>model-only</c> and allowlists hold.</summary>
    public bool NetworkIsolation { get; init; }

    /// <summary>A memory limit holds for the sandbox as a whole (a cgroup), not only per process.</summary>
    public bool MemoryLimit { get; init; }

    /// <summary>A process-count limit holds for the sandbox as a whole.</summary>
    public bool ProcessLimit { get; init; }

    /// <summary>The workspace and home have a disk quota.</summary>
    public bool DiskQuota { get; init; }

    /// <summary>Why something is not enforced, for operators; empty when all is.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
