using System.Diagnostics;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

public sealed class SandboxLifecycleTests : ServerTest
{
    [Fact]
    public async Task SandboxKilledMidTurn_FailsTheTurnAndTheNextMessageContinuesInAFreshSandbox()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("Noted: the code word is MANGO."));
        var turn1 = await Server.SendMessageAsync(session.SessionId, "The code word is MANGO");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1);

        Model.Enqueue(Reply.Text(string.Join(' ', Enumerable.Range(1, 200).Select(i => $"w{i}"))).WithPieces(100).WithChunkDelay(TimeSpan.FromMilliseconds(100)));
        var turn2 = await Server.SendMessageAsync(session.SessionId, "Write a long answer");
        var started = await hub.WaitForAsync<TurnStartedEvent>(e => e.TurnId == turn2);
        await hub.WaitForAsync<BlockDeltaEvent>(e => e.Seq > started.Seq);
        var sandboxId = (await Server.GetSessionAsync(session.SessionId)).Runtime.Sandbox!.SandboxId;
        Assert.True(Kill(SandboxProcesses(sandboxId)) > 0, "no sandbox process was found to kill");

        var failed = await hub.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turn2);
        Assert.Contains("exited", failed.Error);
        await hub.WaitForAsync<StatusEvent>(e => e.Seq > failed.Seq && e.Runtime.Sandbox?.Status == SandboxStatus.Terminated);

        Model.Enqueue(Reply.Text("The code word was MANGO."));
        var turn3 = await Server.SendMessageAsync(session.SessionId, "What was the code word?");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn3);

        Assert.True(Model.ConversationRequests[^1].MessagesContain("The code word is MANGO"), "the fresh sandbox should resume the conversation");
        var ready = hub.Events.OfType<StatusEvent>().Last(e => e.Runtime.Sandbox?.Status == SandboxStatus.Ready);
        Assert.Equal(1, ready.Runtime.Sandbox!.RestartCount);
        var error = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Single();
        Assert.Equal("agent_exited", error.Code);
    }

    [Fact]
    public async Task ServerShutdown_TerminatesEverySandboxAndLeavesNoProcessBehind()
    {
        var sessions = new List<string>();
        var sandboxes = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var session = await Server.CreateSessionAsync();
            var (result, _) = await RunBashAsync(session.SessionId, "sleep 600 > /dev/null 2>&1 & echo started");
            Assert.Contains("started", result.Output);
            sessions.Add(session.SessionId);
            sandboxes.Add((await Server.GetSessionAsync(session.SessionId)).Runtime.Sandbox!.SandboxId);
        }

        Assert.All(sandboxes, id => Assert.NotEmpty(SandboxProcesses(id)));

        await RestartServerAsync();

        Assert.All(sandboxes, id => Assert.Empty(SandboxProcesses(id)));
        Assert.Equal(0, CountProcessesNamed("sleep 600"));
        foreach (var id in sessions)
        {
            var detail = await Server.GetSessionAsync(id);
            Assert.NotEmpty(detail.Blocks);
        }
    }

    /// <summary>The processes in a sandbox's own cgroup: every process it started, whatever its command line says.</summary>
    private static List<int> SandboxProcesses(string sandboxId)
    {
        var procs = Directory.EnumerateFiles("/sys/fs/cgroup/pids/agent-runtime", "cgroup.procs", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == sandboxId);
        return procs.SelectMany(f => File.ReadAllLines(f)).Select(int.Parse).ToList();
    }

    private static int Kill(List<int> pids)
    {
        foreach (var pid in pids)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }

        return pids.Count;
    }

    private static int CountProcessesNamed(string commandLine) => FindProcesses(commandLine).Count;

    // Scans /proc rather than shelling out, so the test sees every process of the host, sandboxed or not.
    private static List<int> FindProcesses(string text)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }
}
