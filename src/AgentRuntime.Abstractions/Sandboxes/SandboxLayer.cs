namespace AgentRuntime.Sandboxes;

/// <summary>
/// A directory of installed software, such as a profile's npm and pip dependencies, that every process of a sandbox
/// sees at the same path as the host does, with the variables and search path that make it usable.
/// </summary>
/// <remarks>
/// A layer is built by one sandbox, which alone may write it (<see cref="Writable"/>): the provider gives the directory
/// to that sandbox's user when the sandbox is created and seals it when the sandbox terminates, so that from then on it
/// belongs to the runtime and nobody can change it. Every later sandbox sees it read-only.
/// </remarks>
public sealed record SandboxLayer
{
    /// <summary>The layer's directory on the host, and inside the sandbox.</summary>
    public required string Directory { get; init; }

    /// <summary>Whether the sandbox may write the layer: only the one that builds it.</summary>
    public bool Writable { get; init; }

    /// <summary>Variables every process of the sandbox gets (a process's own environment wins), such as <c>NODE_PATH</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Directories of the layer put first on every process's <c>PATH</c>.</summary>
    public IReadOnlyList<string> BinDirectories { get; init; } = [];
}
