using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>Settings of the local sandbox provider, bound from <c>AgentRuntime:LocalSandbox</c>.</summary>
public sealed class LocalSandboxOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:LocalSandbox";

    /// <summary>Where sandbox directories are made; <c>&lt;DataDirectory&gt;/sandboxes</c> when absent.</summary>
    public string? RootDirectory { get; set; }

    /// <summary>
    /// How processes are isolated: <see cref="SandboxIsolation.Bubblewrap"/> (the default) or
    /// <see cref="SandboxIsolation.None"/>, which runs agents directly on the host and is for development only.
    /// </summary>
    public SandboxIsolation Isolation { get; set; } = SandboxIsolation.Bubblewrap;

    /// <summary>The bubblewrap executable, a path or a name looked up on <c>PATH</c>.</summary>
    [Required]
    public string BubblewrapPath { get; set; } = "bwrap";

    /// <summary>
    /// The first host user id given to sandboxes when the server runs as root; each sandbox gets its own id from
    /// <see cref="FirstUserId"/> to <see cref="FirstUserId"/> + <see cref="UserIdCount"/> - 1, so per-user limits
    /// (processes) hold per sandbox. Inside, processes always run as uid 1000.
    /// </summary>
    [Range(1000, int.MaxValue)]
    public int FirstUserId { get; set; } = 200_000;

    /// <summary>How many host user ids sandboxes cycle through.</summary>
    [Range(1, 1_000_000)]
    public int UserIdCount { get; set; } = 10_000;

    /// <summary>
    /// A directory of the runtime's own that every sandbox user can pass through (root-owned, not writable by others).
    /// When the server is root, each launch mounts a small staging tmpfs on <c>stage/</c> under it, in the launch's
    /// private mount namespace only, so bubblewrap reaches the workspace and the CLI wherever the data lives.
    /// </summary>
    [Required]
    public string RuntimeDirectory { get; set; } = "/run/agent-runtime";

    /// <summary>Host paths every sandbox process may read, bound read-only at the same path (besides the system directories).</summary>
    public List<string> ReadOnlyPaths { get; set; } = [];

    /// <summary>Limits applied to every process of a sandbox.</summary>
    public SandboxLimits Limits { get; set; } = new();
}

/// <summary>How the local provider isolates sandbox processes.</summary>
public enum SandboxIsolation
{
    /// <summary>Each process runs under bubblewrap: host root read-only, new namespaces, an unprivileged user.</summary>
    Bubblewrap,

    /// <summary>No isolation: processes run on the host as the server's user. Development only.</summary>
    None,
}

/// <summary>Resource limits of a sandbox's processes (setrlimit, applied with <c>prlimit</c> inside the sandbox).</summary>
public sealed class SandboxLimits
{
    /// <summary>
    /// Address space per process in bytes (RLIMIT_AS); 0 for none. The default is high because the agent CLIs run on
    /// V8/JavaScriptCore, which reserve large virtual regions up front: under 8 GiB node started 2-5 times slower.
    /// It bounds a runaway process, not the sandbox's real memory use (that needs a cgroup).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxMemoryBytes { get; set; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Processes of the sandbox's user (RLIMIT_NPROC); 0 for none.</summary>
    [Range(0, int.MaxValue)]
    public int MaxProcesses { get; set; } = 256;

    /// <summary>CPU seconds per process (RLIMIT_CPU); 0 for none.</summary>
    [Range(0, int.MaxValue)]
    public int MaxCpuSeconds { get; set; } = 3600;

    /// <summary>The largest file a process may write, in bytes (RLIMIT_FSIZE); 0 for none.</summary>
    [Range(0, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Memory of all the sandbox's processes together, in bytes, files they write to the workspace included (its
    /// cgroup's <c>memory.limit_in_bytes</c>); past it the kernel reclaims, then kills inside the sandbox only. 0 for none.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long SandboxMemoryBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Processes and threads of the whole sandbox (its cgroup's <c>pids.max</c>); 0 for none.</summary>
    [Range(0, int.MaxValue)]
    public int SandboxProcesses { get; set; } = 1024;

    /// <summary>
    /// Disk quota of the workspace and home together, in bytes: they live on a tmpfs of this size (in memory, charged to
    /// the sandbox's memory limit), so writing past it fails with ENOSPC. 0 for none (the sandbox directory is then a
    /// plain directory of the host's file system).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long DiskBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Files and directories the workspace and home may hold together (the tmpfs's inodes).</summary>
    [Range(1024, long.MaxValue)]
    public long DiskFiles { get; set; } = 262_144;
}
