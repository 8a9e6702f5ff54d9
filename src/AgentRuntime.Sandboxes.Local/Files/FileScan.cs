namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// Bounds on one <see cref="SandboxFileSystem.List"/>. The tree is the agent's, so without them a scan's time and
/// memory would be the agent's to choose; what lies past a bound is left out and the scan says which bound it hit.
/// </summary>
internal sealed record ScanLimits
{
    public static ScanLimits Default { get; } = new();

    /// <summary>Regular files listed at most.</summary>
    public int MaxFiles { get; init; } = 100_000;

    /// <summary>Directory levels descended below the listed directory.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>The longest path (relative to the root, in UTF-8 bytes) listed or descended into.</summary>
    public int MaxPathLength { get; init; } = 1024;

    /// <summary>Directory entries of any kind examined; bounds a tree of millions of empty directories.</summary>
    public int MaxEntries { get; init; } = 1_000_000;
}

/// <summary>Which <see cref="ScanLimits"/> a scan reached.</summary>
[Flags]
internal enum ScanLimit
{
    None = 0,
    Files = 1,
    Depth = 2,
    PathLength = 4,
    Entries = 8,
}

/// <summary>Why a scan left an entry out.</summary>
internal enum ScanSkipReason
{
    /// <summary>A symbolic link; links are never followed.</summary>
    SymbolicLink,

    /// <summary>A FIFO, socket or device.</summary>
    NotARegularFile,

    /// <summary>A directory that could not be opened: gone, replaced (by a link, say) mid-scan, or not readable.</summary>
    DirectoryUnavailable,

    /// <summary>An entry that could not be examined: its name is not valid UTF-8 (no caller could name it back), or statx failed.</summary>
    Unreadable,
}

/// <summary>An entry a scan left out, relative to the root.</summary>
internal sealed record ScanSkip(string RelativePath, ScanSkipReason Reason);

/// <summary>
/// The regular files under a directory, sorted by path (ordinal), with what was left out: entries skipped by kind
/// (a count per reason and the first few as examples) and the limits reached.
/// </summary>
internal sealed record FileScan(
    IReadOnlyList<SandboxFileEntry> Files,
    ScanLimit LimitsReached,
    IReadOnlyDictionary<ScanSkipReason, int> SkippedCounts,
    IReadOnlyList<ScanSkip> SkippedExamples)
{
    /// <summary>Examples of skipped entries kept at most.</summary>
    public const int MaxSkippedExamples = 10;

    public static FileScan Empty { get; } = new([], ScanLimit.None, new Dictionary<ScanSkipReason, int>(), []);

    public int Skipped(ScanSkipReason reason) => SkippedCounts.GetValueOrDefault(reason);
}
