using AgentRuntime.Sandboxes;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>Limits that hold for a sandbox as a whole: its disk quota, its file count and its memory.</summary>
public sealed class SandboxLimitsTests : IAsyncLifetime
{
    private const long Megabyte = 1024 * 1024;
    private TestSandboxes _sandboxes = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _sandboxes = await TestSandboxes.StartAsync(o =>
    {
        o.Limits.DiskBytes = 16 * Megabyte;
        o.Limits.DiskFiles = 2048;
        o.Limits.SandboxMemoryBytes = 96 * Megabyte;
        o.Limits.SandboxProcesses = 40;
        o.Limits.MaxProcesses = 0; // the per-user RLIMIT_NPROC off, so the sandbox's cgroup is what stops the forks
    });

    public async ValueTask DisposeAsync() => await _sandboxes.DisposeAsync();

    [Fact]
    public void Provider_OnThisMachine_ReportsWhatItEnforces()
    {
        var enforcement = _sandboxes.Provider.Enforcement;

        Assert.True(enforcement.Isolation);
        Assert.True(enforcement.NetworkIsolation);
        Assert.True(enforcement.DiskQuota);
        Assert.True(enforcement.MemoryLimit);
        Assert.True(enforcement.ProcessLimit);
        Assert.Empty(enforcement.Notes);
    }

    [Fact]
    public async Task Workspace_WrittenPastTheQuota_FailsWithNoSpaceAndTheSandboxGoesOn()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);

        var output = await TestSandboxes.RunAsync(sandbox, "dd if=/dev/zero of=big bs=1M count=64 2>&1; echo \"dd=$?\"; rm big; echo small > small && cat small", Token);

        Assert.Contains("No space left on device", output);
        Assert.Contains("dd=1", output);
        Assert.Contains("small", output.Split('\n').Last(l => l.Length > 0));
    }

    [Fact]
    public async Task Workspace_WithMoreFilesThanAllowed_FailsWithNoSpace()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);

        var output = await TestSandboxes.RunAsync(sandbox, "for i in $(seq 1 3000); do : > f$i || { echo \"stopped at $i\"; break; }; done 2>&1 | tail -2", Token);

        Assert.Contains("No space left on device", output);
        Assert.Contains("stopped at", output);
    }

    [Fact]
    public async Task Process_AllocatingPastTheSandboxMemory_IsKilledAndTheSandboxGoesOn()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);

        var output = await TestSandboxes.RunAsync(sandbox, "python3 -c \"b = b'x' * (512 * 1024 * 1024); print('allocated')\"; echo \"exit=$?\"; echo alive", Token);

        Assert.DoesNotContain("allocated", output.Split('\n')); // bash's "Killed" notice quotes the command, so whole lines
        Assert.Contains("exit=137", output); // SIGKILL from the sandbox's own OOM killer
        Assert.Contains("alive", output);
    }

    [Fact]
    public async Task Processes_PastTheSandboxLimit_AreRefusedAndTheSandboxGoesOn()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);

        var output = await TestSandboxes.RunAsync(sandbox, """
            python3 -c "
            import os, time
            started = 0
            for i in range(100):
                try:
                    if os.fork() == 0:
                        time.sleep(3); os._exit(0)
                    started += 1
                except OSError as e:
                    print('refused errno', e.errno); break
            print('started', started)
            "
            echo alive
            """, Token);

        var started = int.Parse(output.Split('\n').Single(l => l.StartsWith("started ", StringComparison.Ordinal))["started ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(started, 1, 40);
        Assert.Contains("refused errno 11", output); // EAGAIN from the sandbox's pids cgroup
        Assert.Contains("alive", output);
    }

    [Fact]
    public async Task Terminate_RemovesTheQuotaMountAndTheCgroups()
    {
        var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);
        await TestSandboxes.RunAsync(sandbox, "true", Token);
        Assert.Contains(_sandboxes.DataDirectory, await File.ReadAllTextAsync("/proc/self/mounts", Token));
        Assert.True(Directory.Exists($"/sys/fs/cgroup/memory/agent-runtime/{Environment.ProcessId}/{sandbox.Id}"));

        await sandbox.TerminateAsync(Token);

        Assert.DoesNotContain(_sandboxes.DataDirectory, await File.ReadAllTextAsync("/proc/self/mounts", Token));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/agent-runtime/{Environment.ProcessId}/{sandbox.Id}"));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/agent-runtime/{Environment.ProcessId}/{sandbox.Id}"));
    }
}
