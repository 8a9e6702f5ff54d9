using System.Runtime.InteropServices;
using System.Text;

namespace AgentRuntime.Sandboxes.Local.Files;

internal sealed partial class SandboxFileSystem
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Lists the regular files under a directory (<c>""</c> for the root), recursively, with paths relative to the
    /// root. Breadth-first, each directory opened afresh from the root fd by its relative path, so no fd is held per
    /// level and a directory replaced by a link mid-scan fails its own open; entries are examined with
    /// <c>statx(AT_SYMLINK_NOFOLLOW)</c> and links are never followed. What is left out is reported, never thrown.
    /// </summary>
    /// <returns>An empty scan when the directory does not exist.</returns>
    /// <exception cref="ArgumentException">The directory itself is or goes through a symbolic link.</exception>
    public FileScan List(string relativeDirectory, ScanLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var start = string.Join('/', SandboxRelativePath.Split(relativeDirectory, allowRoot: true, nameof(relativeDirectory)));
        var scan = new ScanResults(limits);
        var pending = new Queue<(string Path, int Bytes, int Depth)>();
        pending.Enqueue((start, Encoding.UTF8.GetByteCount(start), 0));
        var entries = new List<DirectoryEntry>();
        using var root = new RootLease(_root);
        while (!scan.Stopped && pending.TryDequeue(out var directory))
        {
            entries.Clear();
            var errno = ReadDirectory(root.Fd, directory.Path, entries, limits.MaxEntries - scan.Entries, out var readErrno, out var truncated);
            if (errno != 0 && directory.Depth == 0)
            {
                return errno is Native.ENoEnt or Native.ENotDir ? FileScan.Empty : throw Error(errno, "list", relativeDirectory);
            }

            if (errno != 0 || readErrno != 0)
            {
                // Gone, swapped for a link (ELOOP), moved onto another mount (EXDEV), or closed to the sandbox user.
                scan.Skip(directory.Path, ScanSkipReason.DirectoryUnavailable);
            }

            foreach (var entry in entries)
            {
                scan.Add(directory, entry, pending);
                if (scan.Stopped)
                {
                    break;
                }
            }

            if (truncated)
            {
                scan.Reach(ScanLimit.Entries, stop: true);
            }
        }

        return scan.Build();
    }

    /// <summary>
    /// Reads a directory's entries under the sandbox's identity; returns 0, or the errno of opening it. Only syscalls
    /// and copies happen here; the entries are interpreted after the identity is restored.
    /// </summary>
    private unsafe int ReadDirectory(int rootFd, string path, List<DirectoryEntry> entries, int budget, out int readErrno, out bool truncated)
    {
        readErrno = 0;
        truncated = false;
        using var user = EnterUser();
        // No O_NOFOLLOW: with O_DIRECTORY it would turn a trailing link into ENOTDIR (looks like "missing"); without
        // it, RESOLVE_NO_SYMLINKS refuses the link with ELOOP.
        var fd = Native.OpenAt2(rootFd, path.Length == 0 ? Dot : Native.Utf8Z(path), Native.ORdOnly | Native.ODirectory | Native.OCloExec, 0, Beneath, out var errno);
        if (fd < 0)
        {
            return errno;
        }

        var stream = Native.fdopendir(fd);
        if (stream == 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Native.close(fd);
            return errno;
        }

        try
        {
            var directoryFd = Native.dirfd(stream);
            while (true)
            {
                var entry = Native.readdir(stream);
                if (entry == 0)
                {
                    readErrno = Marshal.GetLastPInvokeError();
                    return 0;
                }

                var name = (byte*)entry + Native.DirentNameOffset;
                var nameSpan = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
                if (nameSpan is [(byte)'.'] or [(byte)'.', (byte)'.'])
                {
                    continue;
                }

                if (entries.Count >= budget)
                {
                    truncated = true;
                    return 0;
                }

                var type = Native.Statx(directoryFd, name, Native.AtSymlinkNoFollow | Native.AtNoAutomount, Native.StatxType | Native.StatxSize | Native.StatxMtime, out var stat) == 0
                    ? stat.Type
                    : Marshal.GetLastPInvokeError() == Native.ENoEnt ? 0 : -1;
                if (type != 0)
                {
                    // Removed since readdir (type 0) is simply not there; -1 is an entry that could not be examined.
                    entries.Add(new DirectoryEntry(nameSpan.ToArray(), type, (long)stat.Size, stat.MtimeSeconds, stat.MtimeNanoseconds));
                }
            }
        }
        finally
        {
            Native.closedir(stream);
        }
    }

    /// <summary>An entry as read, before its name is decoded.</summary>
    private readonly record struct DirectoryEntry(byte[] Name, int Type, long Size, long MtimeSeconds, uint MtimeNanoseconds);

    /// <summary>What a scan has found so far, and whether a limit has ended it.</summary>
    private sealed class ScanResults(ScanLimits limits)
    {
        private readonly List<SandboxFileEntry> _files = [];
        private readonly Dictionary<ScanSkipReason, int> _skippedCounts = [];
        private readonly List<ScanSkip> _skippedExamples = [];
        private ScanLimit _limitsReached;

        public bool Stopped { get; private set; }

        public int Entries { get; private set; }

        public void Add((string Path, int Bytes, int Depth) directory, DirectoryEntry entry, Queue<(string Path, int Bytes, int Depth)> pending)
        {
            Entries++;
            var separator = directory.Path.Length == 0 ? "" : "/";
            string name;
            try
            {
                name = StrictUtf8.GetString(entry.Name);
            }
            catch (DecoderFallbackException)
            {
                Skip(directory.Path + separator + Encoding.UTF8.GetString(entry.Name), ScanSkipReason.Unreadable);
                return;
            }

            var path = directory.Path + separator + name;
            var bytes = directory.Bytes + separator.Length + entry.Name.Length;
            switch (entry.Type)
            {
                case Native.SIfReg when bytes > limits.MaxPathLength:
                case Native.SIfDir when bytes > limits.MaxPathLength:
                    Reach(ScanLimit.PathLength, stop: false);
                    break;
                case Native.SIfReg when _files.Count >= limits.MaxFiles:
                    Reach(ScanLimit.Files, stop: true);
                    break;
                case Native.SIfReg:
                    var lastWrite = DateTimeOffset.FromUnixTimeSeconds(entry.MtimeSeconds).AddTicks(entry.MtimeNanoseconds / 100);
                    _files.Add(new SandboxFileEntry(path, entry.Size, lastWrite));
                    break;
                case Native.SIfDir when directory.Depth >= limits.MaxDepth:
                    Reach(ScanLimit.Depth, stop: false);
                    break;
                case Native.SIfDir:
                    pending.Enqueue((path, bytes, directory.Depth + 1));
                    break;
                case Native.SIfLnk:
                    Skip(path, ScanSkipReason.SymbolicLink);
                    break;
                case -1:
                    Skip(path, ScanSkipReason.Unreadable);
                    break;
                default:
                    Skip(path, ScanSkipReason.NotARegularFile);
                    break;
            }
        }

        public void Skip(string path, ScanSkipReason reason)
        {
            _skippedCounts[reason] = _skippedCounts.GetValueOrDefault(reason) + 1;
            if (_skippedExamples.Count < FileScan.MaxSkippedExamples)
            {
                _skippedExamples.Add(new ScanSkip(path, reason));
            }
        }

        public void Reach(ScanLimit limit, bool stop)
        {
            _limitsReached |= limit;
            Stopped |= stop;
        }

        public FileScan Build()
        {
            _files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
            return new FileScan(_files, _limitsReached, _skippedCounts, _skippedExamples);
        }
    }
}
