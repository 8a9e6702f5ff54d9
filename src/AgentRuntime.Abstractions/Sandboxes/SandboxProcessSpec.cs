namespace AgentRuntime.Sandboxes;

/// <summary>A process to start in a sandbox.</summary>
public sealed record SandboxProcessSpec
{
    /// <summary>The executable, as a path the sandbox can see or a name on its PATH.</summary>
    public required string Command { get; init; }

    /// <summary>The arguments, each passed as is (no shell).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// Environment variables on top of the sandbox's own minimal environment (PATH, HOME, ...).
    /// The server's environment never reaches the process.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory; the workspace when absent.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Host paths the process must be able to read, such as the agent CLI's install directory. Providers that isolate
    /// processes make them visible read-only at the same path; others ignore them.
    /// </summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
}

/// <summary>A process running in a sandbox. Disposing it kills its whole process tree.</summary>
public interface ISandboxProcess : IAsyncDisposable
{
    /// <summary>The process id as the host sees it.</summary>
    int ProcessId { get; }

    /// <summary>The process's standard input.</summary>
    Stream StandardInput { get; }

    /// <summary>The process's standard output.</summary>
    Stream StandardOutput { get; }

    /// <summary>The process's standard error.</summary>
    Stream StandardError { get; }

    /// <summary>Completes with the exit code when the process exits.</summary>
    Task<int> Exited { get; }

    /// <summary>Kills the process and everything it started.</summary>
    void Kill();
}
