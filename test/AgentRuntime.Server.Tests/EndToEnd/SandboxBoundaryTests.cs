using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// What an agent can reach from its sandbox, through the real CLI's Bash tool on a real server: its model only
/// through the runtime's proxy with a token of its own (never the key), allowed hosts only through the egress proxy,
/// and nothing of the host — the runtime's own API and other loopback services included.
/// </summary>
public sealed class SandboxBoundaryTests : ServerTest
{
    private const string RealKey = "sk-ant-test-key"; // what RunningServer configures as the Anthropic key
    private readonly DirectoryInfo _profiles = Directory.CreateTempSubdirectory("agent-runtime-profiles-");
    private readonly TcpListener _allowedHost = new(IPAddress.Loopback, 0);
    private readonly Task _allowedHostServing;
    private readonly CancellationTokenSource _stop = new();

    public SandboxBoundaryTests()
    {
        _allowedHost.Start();
        _allowedHostServing = ServeAllowedHostAsync();
        var profile = "{\"id\": \"allowlisted\", \"name\": \"Allowlisted\", \"network\": {\"allow\": [\"localhost:" + AllowedPort + "\"]}}";
        File.WriteAllText(Path.Combine(_profiles.FullName, "allowlisted.json"), profile);
    }

    private int AllowedPort => ((IPEndPoint)_allowedHost.LocalEndpoint).Port;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:ProfilesDirectory"] = _profiles.FullName,
    };

    [Fact]
    public async Task Agent_LookingForTheModelKey_FindsOnlyATokenThatTheModelNeverSees()
    {
        var session = await Server.CreateSessionAsync();

        var (result, _) = await RunBashAsync(session.SessionId,
            "k=sk-ant-test; env | grep -E '^(ANTHROPIC|GEMINI)_'; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c \"$k-key\"; " +
            "grep -r -l \"$k-key\" ~ /workspace /tmp 2>/dev/null | wc -l");

        Assert.DoesNotContain(RealKey, result.Output);
        var token = result.Output.Split('\n').Single(l => l.StartsWith("ANTHROPIC_API_KEY=", StringComparison.Ordinal))["ANTHROPIC_API_KEY=".Length..];
        Assert.Contains("ANTHROPIC_BASE_URL=http://127.0.0.1:4780", result.Output);
        Assert.True(token.Length >= 32, "a random token of its own");
        Assert.Equal(["0", "0"], result.Output.Split('\n').Where(l => l is "0" or "1" || int.TryParse(l, out _)).ToArray());
        Assert.NotEmpty(Model.Requests);
        Assert.All(Model.Requests, r => Assert.Equal(RealKey, r.Headers["x-api-key"]));
        Assert.DoesNotContain(Model.Requests, r => r.Headers.Values.Any(v => v.Contains(token, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Agent_ReachingTheRuntimeOrAnotherHostService_IsRefused()
    {
        var session = await Server.CreateSessionAsync();
        var other = await Server.CreateSessionAsync();
        var apiPort = Server.BaseAddress.Port;
        var modelPort = new Uri(Model.BaseUrl).Port;

        var (result, events) = await RunBashAsync(session.SessionId,
            $"curl -s -m 5 --noproxy '*' http://127.0.0.1:{apiPort}/api/sessions/{other.SessionId}; echo \"direct-api=$?\"; " +
            $"curl -s -m 5 --noproxy '*' http://127.0.0.1:{modelPort}/; echo \"direct-model=$?\"; " +
            $"curl -sf -m 5 --noproxy '' -x \"$HTTP_PROXY\" http://127.0.0.1:{apiPort}/api/sessions; echo \"proxied-api=$?\"; " +
            "curl -s -m 5 --noproxy '' -x \"$HTTPS_PROXY\" https://denied.example/; echo \"proxied-outside=$?\"");

        Assert.Contains("direct-api=7", result.Output); // curl: could not connect
        Assert.Contains("direct-model=7", result.Output);
        Assert.DoesNotContain(other.SessionId, result.Output);
        Assert.Contains("proxied-api=22", result.Output); // curl -f: the proxy answered 403
        Assert.Contains("proxied-outside=56", result.Output); // curl: CONNECT refused by the proxy
        var denied = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<SystemBlock>().Where(b => b.Subtype == "network_denied").ToList();
        Assert.Contains(denied, b => b.Message.Contains("denied.example", StringComparison.Ordinal));
        Assert.Contains(denied, b => b.Message.Contains($"127.0.0.1:{apiPort}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_WithAnAllowlist_ReachesTheAllowedHostOnlyThroughTheProxy()
    {
        var session = await Server.CreateSessionAsync(profile: "allowlisted");

        var (result, _) = await RunBashAsync(session.SessionId,
            $"curl -s -m 5 --noproxy '' -x \"$HTTP_PROXY\" http://localhost:{AllowedPort}/hello; echo; " +
            $"curl -s -m 5 --noproxy '*' http://localhost:{AllowedPort}/hello; echo \"direct=$?\"");

        Assert.Contains("allowed-host-answer", result.Output);
        Assert.Contains("direct=7", result.Output);
    }

    [Fact]
    public async Task Budget_SpentStopsTheNextTurn_AndRaisingItLetsTheTurnAfterThrough()
    {
        var session = await Server.CreateSessionAsync();
        var events = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(Reply.Text("First.").WithUsage(100, 20));
        var first = await Server.SendMessageAsync(session.SessionId, "one");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == first, TimeSpan.FromSeconds(90));

        await PatchBudgetAsync(session.SessionId, maxTokens: 50);
        var second = await Server.SendMessageAsync(session.SessionId, "two");
        await events.WaitForAsync<TurnFailedEvent>(e => e.TurnId == second, TimeSpan.FromSeconds(90));
        var error = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Last();
        Assert.Equal("budget_exceeded", error.Code);
        Assert.Contains("budget", error.Message, StringComparison.OrdinalIgnoreCase);

        await PatchBudgetAsync(session.SessionId, maxTokens: 1_000_000);
        Model.Enqueue(Reply.Text("Third."));
        var third = await Server.SendMessageAsync(session.SessionId, "three");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == third, TimeSpan.FromSeconds(90));
    }

    private async Task PatchBudgetAsync(string sessionId, long maxTokens)
    {
        var response = await Server.Http.PatchAsJsonAsync($"/api/sessions/{sessionId}", new { budget = new { maxTokens } }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private async Task ServeAllowedHostAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _allowedHost.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                var head = new byte[4096];
                await stream.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, _stop.Token);
                var body = "allowed-host-answer";
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _allowedHost.Stop();
        await _allowedHostServing;
        await base.DisposeAsync();
        _profiles.Delete(recursive: true);
    }
}
