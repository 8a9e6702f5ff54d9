using System.Diagnostics;
using System.Globalization;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// What the process and the machine went through during a measurement, to tell a slow path from a starved one: the
/// cores this process used and the cores everything else on the machine used (Linux <c>/proc/stat</c>), the time this
/// process's threads spent runnable but waiting for a core (<c>/proc/self/task/*/schedstat</c>), GC pauses and
/// allocations, and the thread pool's size and queue, sampled as it ran.
/// </summary>
internal sealed class ProcessProbe : IAsyncDisposable
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly (long Busy, long Total)? _machine = MachineTicks();
    private readonly double _runQueueWait = RunQueueWaitSeconds();
    private readonly TimeSpan _gcPause = GC.GetTotalPauseDuration();
    private readonly int _gen0 = GC.CollectionCount(0);
    private readonly int _gen2 = GC.CollectionCount(2);
    private readonly long _allocated = GC.GetTotalAllocatedBytes();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _maxThreads;
    private long _maxQueued;

    public ProcessProbe() => _sampling = SampleAsync();

    public ProbeResult Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds / elapsed;
        var machine = MachineTicks();
        var machineCores = _machine is { } before && machine is { } after && after.Total > before.Total
            ? (double)(after.Busy - before.Busy) / (after.Total - before.Total) * Environment.ProcessorCount
            : double.NaN;
        return new ProbeResult(
            elapsed,
            cores,
            Math.Max(0, machineCores - cores),
            (RunQueueWaitSeconds() - _runQueueWait) / elapsed,
            (GC.GetTotalPauseDuration() - _gcPause).TotalSeconds,
            GC.CollectionCount(0) - _gen0,
            GC.CollectionCount(2) - _gen2,
            (GC.GetTotalAllocatedBytes() - _allocated) / 1e6,
            _maxThreads,
            _maxQueued);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            _maxThreads = Math.Max(_maxThreads, ThreadPool.ThreadCount);
            _maxQueued = Math.Max(_maxQueued, ThreadPool.PendingWorkItemCount);
        }
    }

    // The first line of /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice, in clock ticks of
    // all cores together; guest time is already counted in user.
    private static (long Busy, long Total)? MachineTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..9]
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            return (fields.Sum() - idle, fields.Sum());
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The second field of each thread's schedstat: nanoseconds spent runnable, waiting on a run queue.
    private static double RunQueueWaitSeconds()
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    total += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return double.NaN;
        }

        return total / 1e9;
    }
}

/// <summary>What <see cref="ProcessProbe"/> saw: cores as averages over the time, pauses in seconds.</summary>
/// <param name="Elapsed">Seconds measured.</param>
/// <param name="Cores">Cores this process used.</param>
/// <param name="OtherCores">Cores the rest of the machine used.</param>
/// <param name="WaitingThreads">This process's threads that were runnable but waiting for a core, on average.</param>
/// <param name="GcPause">Seconds the GC paused the process.</param>
/// <param name="Gen0">Collections (of all generations).</param>
/// <param name="Gen2">Full collections.</param>
/// <param name="AllocatedMB">Megabytes allocated.</param>
/// <param name="MaxPoolThreads">The thread pool's largest size seen.</param>
/// <param name="MaxQueuedWorkItems">The thread pool's longest queue seen.</param>
internal sealed record ProbeResult(
    double Elapsed, double Cores, double OtherCores, double WaitingThreads, double GcPause, int Gen0, int Gen2, double AllocatedMB, int MaxPoolThreads, long MaxQueuedWorkItems)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Elapsed:0.0} s: {Cores:0.00} cores used, {OtherCores:0.00} by the rest of the machine, {WaitingThreads:0.0} threads waiting for a core; " +
        $"GC paused {GcPause * 1000:0} ms ({Gen0} collections, {Gen2} full), {AllocatedMB:0} MB allocated; pool threads <= {MaxPoolThreads}, queued work <= {MaxQueuedWorkItems}");
}
