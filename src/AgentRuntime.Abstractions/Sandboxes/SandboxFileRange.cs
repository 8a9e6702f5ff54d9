namespace AgentRuntime.Sandboxes;

/// <summary>Part of a file read from a sandbox (<see cref="ISandbox.ReadFileRangeAsync"/>).</summary>
/// <param name="Content">
/// The bytes from the offset asked for: as many as the file held there when it was opened, at most the count asked for.
/// </param>
/// <param name="Length">The file's length when it was opened; the bytes past the range are not read.</param>
/// <param name="Identity">
/// An opaque value that differs when the path names another file (on Linux its device and inode number), so a file
/// replaced by a rename shows even when its length and content near the end are unchanged; <see langword="null"/> when
/// the provider cannot tell. Equal values mean the same file, not the same content.
/// </param>
public sealed record SandboxFileRange(ReadOnlyMemory<byte> Content, long Length, string? Identity = null);
