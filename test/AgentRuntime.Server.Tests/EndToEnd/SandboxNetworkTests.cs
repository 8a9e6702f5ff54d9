using System.Net;
using System.Net.Sockets;
using AgentRuntime.Sandboxes;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// The network a sandbox's processes get, below the agent: a namespace of its own whose only ways out are the
/// runtime's bridge listeners. No test sends anything past this machine: "outside" is shown to have no route at all.
/// </summary>
public sealed class SandboxNetworkTests : IAsyncLifetime
{
    private TestSandboxes _sandboxes = null!;
    private TcpListener _hostService = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private int HostPort => ((IPEndPoint)_hostService.LocalEndpoint).Port;

    public async ValueTask InitializeAsync()
    {
        _sandboxes = await TestSandboxes.StartAsync();
        // Stands in for every loopback service of the host: the runtime's own API, a database.
        _hostService = new TcpListener(IPAddress.Loopback, 0);
        _hostService.Start();
    }

    public async ValueTask DisposeAsync()
    {
        _hostService.Dispose();
        await _sandboxes.DisposeAsync();
    }

    [Fact]
    public async Task ModelOnly_ReachesTheBridgeAndNothingElse()
    {
        var bridge = new EchoBridge();
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.ModelOnly, bridge, Token);

        var output = await TestSandboxes.RunAsync(sandbox, $"""
            head -1 < /dev/tcp/127.0.0.1/4780
            head -1 < /dev/tcp/127.0.0.1/4781
            (echo probe > /dev/tcp/127.0.0.1/{HostPort}) 2>/dev/null && echo host-reached || echo host-refused
            tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '
            ip -o route 2>/dev/null | wc -l | sed 's/^/routes=/'
            getent hosts example.com || echo no-dns
            echo "proxy=$HTTPS_PROXY no_proxy=$NO_PROXY"
            """, Token);

        Assert.Equal(new Uri("http://127.0.0.1:4780"), sandbox.ModelProxyUrl);
        Assert.Equal(new Uri("http://127.0.0.1:4781"), sandbox.EgressProxyUrl);
        Assert.Contains("model-bridge", output);
        Assert.Contains("egress-bridge", output);
        Assert.Contains("host-refused", output);
        Assert.Equal(["lo"], output.Split('\n').Where(l => l is "lo" or "eth0" || l.StartsWith("veth", StringComparison.Ordinal) || l.StartsWith("en", StringComparison.Ordinal)).ToArray());
        Assert.Contains("no-dns", output);
        Assert.Contains("proxy=http://127.0.0.1:4781 no_proxy=127.0.0.1,localhost,::1", output);
        Assert.Equal(1, bridge.ModelConnections);
        Assert.Equal(1, bridge.EgressConnections);
    }

    [Fact]
    public async Task ModelOnly_AProcessInside_InheritsNoDescriptorOfTheLauncher()
    {
        // A descriptor the server itself inherited without close-on-exec (from a shell, a service manager), as a parent
        // process would leave one: Process.Start passes such descriptors on unless something closes them.
        var inherited = open("/etc/hostname", 0);
        Assert.True(inherited > 2);
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.ModelOnly, new EchoBridge(), Token);

        // A descriptor of the host's (a file, a namespace, a staged directory) left open would be a way out of the sandbox.
        // ls is a child of the shell: it lists the shell's descriptors, as the shell got them, and adds none to them.
        var output = await TestSandboxes.RunAsync(sandbox, "ls /proc/$$/fd; true", Token); // "; true": bash would exec a lone ls in its own place

        var descriptors = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        close(inherited);
        Assert.Equal(["0", "1", "2"], descriptors.Where(d => d != "255").Order()); // 255: bash's own copy of its script
    }

    [Fact]
    public async Task ModelOnly_AProcessInside_CannotTakeTheBridgePort()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.ModelOnly, new EchoBridge(), Token);

        var output = await TestSandboxes.RunAsync(sandbox, """
            python3 -c "
            import socket
            s = socket.socket()
            try:
                s.bind(('127.0.0.1', 4780)); print('bound')
            except OSError as e:
                print('bind failed', e.errno)
            "
            kill -9 -1 2>/dev/null; head -1 < /dev/tcp/127.0.0.1/4780
            """, Token);

        Assert.Contains("bind failed 98", output); // EADDRINUSE: the runtime holds the port, in a namespace the agent cannot leave
        Assert.Contains("model-bridge", output);
    }

    [Fact]
    public async Task ModelOnly_ProcessesOfOneSandbox_ShareItsLoopback()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.ModelOnly, new EchoBridge(), Token);
        var server = TestSandboxes.RunAsync(sandbox, "python3 -c \"import socket; s=socket.socket(); s.bind(('127.0.0.1', 5000)); s.listen(); c,_=s.accept(); c.sendall(b'same-namespace\\n'); c.close()\"", Token);

        var client = "";
        for (var attempt = 0; attempt < 50 && !client.Contains("same-namespace", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100, Token);
            client = await TestSandboxes.RunAsync(sandbox, "head -1 < /dev/tcp/127.0.0.1/5000 2>&1", Token);
        }

        await server.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Contains("same-namespace", client);
    }

    [Fact]
    public async Task Host_ReachesHostServices_AndTheModelThroughAHostLoopbackBridge()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.Host, new EchoBridge(), Token);

        var output = await TestSandboxes.RunAsync(sandbox, $"""
            (echo probe > /dev/tcp/127.0.0.1/{HostPort}) 2>/dev/null && echo host-reached || echo host-refused
            head -1 < /dev/tcp/127.0.0.1/{sandbox.ModelProxyUrl!.Port}
            """, Token);

        Assert.Contains("host-reached", output);
        Assert.Contains("model-bridge", output);
        Assert.Null(sandbox.EgressProxyUrl);
    }

    [Fact]
    public async Task None_HasNoBridgeAndNoWayOut()
    {
        await using var sandbox = await _sandboxes.CreateAsync(SandboxNetworkPolicy.None, null, Token);

        var output = await TestSandboxes.RunAsync(sandbox, $"(echo probe > /dev/tcp/127.0.0.1/{HostPort}) 2>/dev/null && echo host-reached || echo host-refused", Token);

        Assert.Null(sandbox.ModelProxyUrl);
        Assert.Contains("host-refused", output);
    }

    [Fact]
    public async Task ModelOnly_WithoutAGateway_FailsClearly()
    {
        var error = await Assert.ThrowsAsync<SandboxException>(() => _sandboxes.CreateAsync(SandboxNetworkPolicy.ModelOnly, null, Token));

        Assert.Contains("AddSandboxGateway()", error.Message);
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this test project does not otherwise need.
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SYSLIB1054
}
