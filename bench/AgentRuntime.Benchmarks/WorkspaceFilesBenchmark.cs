using System.Diagnostics;
using System.Security.Cryptography;
using AgentRuntime.Persistence;
using AgentRuntime.Sessions;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// Saves <see cref="Files"/> files of <see cref="FileBytes"/> through a store's stream API and reads them back, and
/// reports throughput and the process's resident memory: before, at its peak during the run, and after a GC. With the
/// content streamed in chunks the peak should stay far below the bytes moved.
/// </summary>
internal static class WorkspaceFilesBenchmark
{
    public const int Files = 4;
    public const int FileBytes = 50 << 20;

    public static async Task<WorkspaceFilesResult> RunAsync(string label, IAgentStore store, string directory, CancellationToken cancellationToken)
    {
        // The source is a file on disk, as the runtime's spooled copy is; written once, outside the measurement.
        var source = Path.Combine(directory, "workspace-source.bin");
        string hash;
        await using (var file = File.Create(source))
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var block = new byte[1 << 20];
            for (var written = 0; written < FileBytes; written += block.Length)
            {
                Random.Shared.NextBytes(block);
                sha.AppendData(block);
                await file.WriteAsync(block, cancellationToken);
            }

            hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        var session = new SessionRecord
        {
            SessionId = Guid.NewGuid().ToString(),
            Architecture = "bench",
            AgentProfileRef = "default",
            CreatedAt = DateTimeOffset.UtcNow,
            LastActivity = DateTimeOffset.UtcNow,
        };
        await store.CreateSessionAsync(session, cancellationToken);

        var before = ResidentAfterCollect();
        ResetPeak();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Files; i++)
        {
            await using var content = File.OpenRead(source);
            var info = new WorkspaceFileInfo { Path = $"big-{i}.bin", Size = FileBytes, Hash = hash, ModifiedAt = DateTimeOffset.UtcNow };
            await store.SaveWorkspaceFileAsync(session.SessionId, info, content, cancellationToken);
        }

        var saveSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        long read = 0;
        for (var i = 0; i < Files; i++)
        {
            await using var content = await store.OpenWorkspaceFileAsync(session.SessionId, $"big-{i}.bin", cancellationToken)
                ?? throw new InvalidOperationException("A saved file is missing.");
            var buffer = new byte[81920];
            int n;
            while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                read += n;
            }
        }

        var readSeconds = watch.Elapsed.TotalSeconds;
        var peak = ReadStatus("VmHWM");
        await store.DeleteSessionAsync(session.SessionId, cancellationToken);
        File.Delete(source);
        var after = ResidentAfterCollect();
        if (read != (long)Files * FileBytes)
        {
            throw new InvalidOperationException($"Read {read} bytes back, not {(long)Files * FileBytes}.");
        }

        const double MB = 1 << 20;
        return new WorkspaceFilesResult(label, Files * FileBytes / MB / saveSeconds, Files * FileBytes / MB / readSeconds, before / MB, peak / MB, after / MB);
    }

    private static long ResidentAfterCollect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ReadStatus("VmRSS");
    }

    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux), so the peak is this run's, not start-up's.
    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static long ReadStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }
}

/// <summary>Throughput in MB/s and resident memory in MB.</summary>
internal sealed record WorkspaceFilesResult(string Store, double SaveMBps, double ReadMBps, double RssBefore, double RssPeak, double RssAfter);
