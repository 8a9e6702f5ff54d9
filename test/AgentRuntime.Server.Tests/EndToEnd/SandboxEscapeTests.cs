using System.Net;
using System.Net.Sockets;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// An agent that runs shell commands tries to leave its sandbox, through the real CLI's Bash tool. Each attempt must
/// fail inside the sandbox with the failure the tool reports, and the server must keep serving.
/// </summary>
public sealed class SandboxEscapeTests : ServerTest
{
    private const string Canary = "canary-secret-4f1d9b";

    static SandboxEscapeTests()
    {
        // In the server's own environment, which a sandbox must never see.
        Environment.SetEnvironmentVariable("AGENT_RUNTIME_TEST_CANARY", Canary);
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:LocalSandbox:Limits:MaxProcesses"] = "128",
        ["AgentRuntime:LocalSandbox:Limits:MaxFileBytes"] = (10 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Agent_ReadingRootsHomeOrShadow_IsDenied()
    {
        var session = await Server.CreateSessionAsync();

        var (result, _) = await RunBashAsync(session.SessionId, "cat /etc/shadow; ls /root; ls /work /home 2>&1; echo done");

        Assert.Contains("cat: /etc/shadow: Permission denied", result.Output);
        Assert.Contains("ls: cannot access '/root': No such file or directory", result.Output);
        Assert.DoesNotContain(DataDirectory, result.Output);
        await AssertServerServesAsync();
    }

    [Fact]
    public async Task Agent_WritingOutsideTheWorkspace_FailsOnAReadOnlyFileSystem()
    {
        var session = await Server.CreateSessionAsync();
        var marker = $"escape-{Guid.NewGuid():N}";

        var (result, _) = await RunBashAsync(session.SessionId, $"touch /usr/{marker}; touch /etc/{marker}; touch /{marker}; touch /tmp/{marker} && echo tmp-ok; touch $HOME/{marker} && echo home-ok");

        Assert.Contains($"touch: cannot touch '/usr/{marker}': Read-only file system", result.Output);
        Assert.Contains($"touch: cannot touch '/etc/{marker}': Read-only file system", result.Output);
        Assert.Contains($"touch: cannot touch '/{marker}'", result.Output);
        Assert.Contains("tmp-ok", result.Output);
        Assert.Contains("home-ok", result.Output);
        Assert.False(File.Exists($"/usr/{marker}") || File.Exists($"/etc/{marker}") || File.Exists($"/{marker}") || File.Exists($"/tmp/{marker}"));
    }

    [Fact]
    public async Task Agent_ListingOrSignallingHostProcesses_SeesOnlyItsOwnAndCannotSignalTheServer()
    {
        var session = await Server.CreateSessionAsync();
        var serverPid = Environment.ProcessId;

        var (result, _) = await RunBashAsync(session.SessionId, $"ps -e -o pid=,comm= | wc -l; ps -e -o comm=; kill -9 {serverPid}; kill -9 1; echo \"uid=$(id -u)\"");

        var lines = result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.True(int.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture) < 10, $"the sandbox should see only its own few processes: {result.Output}");
        Assert.DoesNotContain(lines, l => l.StartsWith("dotnet", StringComparison.Ordinal) || l.Contains("testhost", StringComparison.Ordinal));
        Assert.Contains($"kill: ({serverPid}) - No such process", result.Output);
        Assert.Contains("uid=1000", result.Output);
        await AssertServerServesAsync();
    }

    [Fact]
    public async Task Agent_ReadingTheServersEnvironment_FindsNoSecret()
    {
        var session = await Server.CreateSessionAsync();

        var (result, _) = await RunBashAsync(session.SessionId, "env; cat /proc/1/environ | tr '\\0' '\\n'; echo \"canary=[$AGENT_RUNTIME_TEST_CANARY]\"");

        Assert.Contains("canary=[]", result.Output);
        Assert.DoesNotContain(Canary, result.Output);
        Assert.Contains("HOME=/home/agent", result.Output);
    }

    [Fact]
    public async Task Agent_RunningAForkBomb_HitsTheProcessLimitAndTheServerKeepsServing()
    {
        var session = await Server.CreateSessionAsync();

        // The bomb gets a process limit of its own below the sandbox's: an agent that exhausts the sandbox's limit
        // starves its own CLI too (it aborts when it cannot start a thread), which would leave nobody to report.
        // The sandbox-wide limit itself is tested below the agent (SandboxLimitsTests).
        var (result, _) = await RunBashAsync(session.SessionId,
            "timeout -s KILL 5 prlimit --nproc=64 bash -c ':(){ :|:& };: ; sleep 30' > /tmp/bomb.log 2>&1; echo \"bomb exit=$?\"; echo \"refused forks: $(grep -c 'Resource temporarily unavailable' /tmp/bomb.log)\"; sleep 1; echo \"processes after: $(ps -e --no-headers | wc -l)\"");

        Assert.Contains("bomb exit=137", result.Output);
        var refused = int.Parse(result.Output.Split("refused forks: ")[1].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(refused > 0, result.Output);
        await AssertServerServesAsync();
    }

    [Fact]
    public async Task Agent_FillingTheDisk_IsStoppedAtTheFileSizeLimit()
    {
        var session = await Server.CreateSessionAsync();

        var (result, _) = await RunBashAsync(session.SessionId, "dd if=/dev/zero of=big.bin bs=1M count=100 2>&1; echo \"dd exit=$?\"; stat -c 'size=%s' big.bin");

        Assert.Contains("dd exit=153", result.Output); // 128 + SIGXFSZ (25): "File size limit exceeded"
        Assert.Contains($"size={10 * 1024 * 1024}", result.Output);
        await AssertServerServesAsync();
    }

    private async Task AssertServerServesAsync() =>
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("/api/health", TestContext.Current.CancellationToken)).StatusCode);
}

/// <summary>A sandbox with network <c>none</c> cannot reach a listener on the host's loopback.</summary>
public sealed class NetworkNoneTests
{
    [Fact]
    public async Task Process_InANetworkNoneSandbox_CannotReachAHostListener()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var sandboxes = await TestSandboxes.StartAsync();

        var none = await sandboxes.RunAsync(SandboxNetworkPolicy.None, $"echo probe > /dev/tcp/127.0.0.1/{port} && echo connected || echo refused", ct);
        var host = await sandboxes.RunAsync(SandboxNetworkPolicy.Host, $"echo probe > /dev/tcp/127.0.0.1/{port} && echo connected || echo refused", ct);

        Assert.Contains("refused", none);
        Assert.Contains("Connection refused", none);
        Assert.Contains("connected", host);
    }
}
