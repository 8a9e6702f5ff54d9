using AgentRuntime.Sandboxes.Local.Linux;
using AgentRuntime.Sandboxes.Local.Tests.Files;

namespace AgentRuntime.Sandboxes.Local.Tests;

public sealed class SandboxCgroupTests
{
    [Fact]
    public async Task RemoveLeftovers_SweptByManyAtOnce_NeverThrows()
    {
        Assert.SkipUnless(TestTree.IsRoot && SandboxCgroup.Unavailable() is null, "Sandbox cgroups exist only for a root server with cgroup v1.");

        // Servers (and providers in one process) that start together all sweep what dead servers left; one finding a
        // directory another just removed must go on, not fail its start.
        for (var round = 0; round < 20; round++)
        {
            foreach (var controller in new[] { "memory", "pids" })
            {
                for (var pid = 0; pid < 5; pid++)
                {
                    // Process ids above the kernel's maximum (4194304) never run.
                    Directory.CreateDirectory($"/sys/fs/cgroup/{controller}/agent-runtime/{5_000_000 + (round * 10) + pid}/sandbox");
                }
            }

            var sweeps = Enumerable.Range(0, 4).Select(_ => Task.Run(SandboxCgroup.RemoveLeftovers)).ToList();
            await Task.WhenAll(sweeps).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        Assert.DoesNotContain(Directory.EnumerateDirectories("/sys/fs/cgroup/memory/agent-runtime"), d => Path.GetFileName(d).StartsWith("50000", StringComparison.Ordinal));
    }
}
