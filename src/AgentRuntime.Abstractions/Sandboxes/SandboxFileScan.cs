namespace AgentRuntime.Sandboxes;

/// <summary>The regular files a scan found, and which of the provider's bounds on a scan cut it short.</summary>
/// <param name="Files">The files, sorted by path.</param>
/// <param name="LimitsReached">What was left out and why, in words a user reads (such as "paths longer than 1,024 bytes").</param>
public sealed record SandboxFileScan(IReadOnlyList<SandboxFileEntry> Files, IReadOnlyList<string> LimitsReached);
