using System.Net;
using System.Text;
using AgentRuntime.Gateway.Tests.Support;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Egress;

public sealed class EgressProxyTests : IAsyncLifetime
{
    private readonly SandboxGateway _gateway = TestGateway.Create();
    private readonly EchoServer _echo = new();
    private readonly RecordingObserver _observer = new();
    private readonly List<SandboxSide> _sides = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var side in _sides)
        {
            await side.DisposeAsync().AsTask().WaitAsync(Bound);
        }

        await _gateway.DisposeAsync().AsTask().WaitAsync(Bound);
        await _echo.DisposeAsync().AsTask().WaitAsync(Bound);
    }

    [Fact]
    public async Task Connect_AllowedAddressAndPort_SplicesBytesBothWays()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"127.0.0.1:{_echo.Port}"));

        var answer = await SendHeadAsync(connection, $"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\nHost: 127.0.0.1:{_echo.Port}\r\n\r\n");
        await connection.WriteAsync("ping through the tunnel"u8.ToArray(), Token).AsTask().WaitAsync(Bound, Token);
        var echoed = await ReadExactlyAsync(connection, "ping through the tunnel".Length);

        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", answer);
        Assert.Equal("ping through the tunnel", echoed);
        Assert.Empty(_observer.EgressDenied);
    }

    [Fact]
    public async Task Connect_BytesSentWithTheHead_GoOnToTheHost()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow("127.0.0.1"));

        await connection.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\n\r\nearly bytes"), Token).AsTask().WaitAsync(Bound, Token);
        var answer = await ReadExactlyAsync(connection, "HTTP/1.1 200 Connection Established\r\n\r\nearly bytes".Length);

        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\nearly bytes", answer);
    }

    [Fact]
    public async Task Connect_HostNotInTheAllowlist_Returns403NamingItAndTellsTheObserver()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"127.0.0.1:{_echo.Port}", "api.example.com"));

        var answer = await SendAndReadToEndAsync(connection, "CONNECT Evil.Example.COM:443 HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("evil.example.com:443 is not in this sandbox's network allowlist\n", answer, StringComparison.Ordinal);
        Assert.Equal(("evil.example.com", 443), Assert.Single(_observer.EgressDenied));
    }

    [Fact]
    public async Task Connect_AllowedNameOnAnotherPort_Returns403()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"127.0.0.1:{_echo.Port + 1}"));

        var answer = await SendAndReadToEndAsync(connection, $"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task Connect_ModelOnlyNetwork_DeniesEverything()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.ModelOnly);

        var answer = await SendAndReadToEndAsync(connection, $"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Equal(("127.0.0.1", _echo.Port), Assert.Single(_observer.EgressDenied));
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task Connect_LocalhostWithItsPortListed_IsAllowed()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"localhost:{_echo.Port}"));

        var answer = await SendHeadAsync(connection, $"CONNECT localhost:{_echo.Port} HTTP/1.1\r\n\r\n");
        await connection.WriteAsync("x"u8.ToArray(), Token).AsTask().WaitAsync(Bound, Token);

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Equal("x", await ReadExactlyAsync(connection, 1));
    }

    [Fact]
    public async Task Connect_LocalhostWithoutAPort_IsRefusedAsLoopback()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow("localhost"));

        var answer = await SendAndReadToEndAsync(connection, $"CONNECT localhost:{_echo.Port} HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("loopback", answer, StringComparison.Ordinal);
        Assert.Equal(("localhost", _echo.Port), Assert.Single(_observer.EgressDenied));
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task Connect_NameThatResolvesToLoopback_IsRefusedEvenWithItsPortListed()
    {
        // A name /etc/hosts maps to loopback, or else the machine's own name (which .NET resolves to all of its
        // addresses, loopback among them): a name that resolves there is what DNS rebinding looks like.
        var name = LoopbackNameFromHostsFile() ?? Dns.GetHostName().ToLowerInvariant();
        var addresses = await Dns.GetHostAddressesAsync(name, Token).WaitAsync(Bound, Token);
        Assert.SkipUnless(addresses.Any(IPAddress.IsLoopback), $"No name but localhost resolves to loopback here ('{name}' does not).");
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"{name}:{_echo.Port}", $"*.{name}"));

        var answer = await SendAndReadToEndAsync(connection, $"CONNECT {name}:{_echo.Port} HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("loopback", answer, StringComparison.Ordinal);
        Assert.Equal((name, _echo.Port), Assert.Single(_observer.EgressDenied));
        Assert.Equal(0, _echo.Connections);
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task Connect_OtherSpellingOfAListedAddress_IsThatAddress(string host)
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow($"127.0.0.1:{_echo.Port}"));

        var answer = await SendHeadAsync(connection, $"CONNECT {host}:{_echo.Port} HTTP/1.1\r\n\r\n");

        // "127.1" is 127.0.0.1; the IPv4-mapped IPv6 address is another address, matched only by its own entry.
        Assert.StartsWith(host.StartsWith('[') ? "HTTP/1.1 403" : "HTTP/1.1 200", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("HELLO\r\n\r\n")]
    [InlineData("CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT user@127.0.0.1:80 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT 127.0.0.1:80 HTTP/1.1\r\n folded: header\r\n\r\n")]
    [InlineData("GET https://127.0.0.1/ HTTP/1.1\r\n\r\n")]
    [InlineData("GET http://a.example\\@127.0.0.1/ HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT 127.0.0.1:80 HTTP/1.1\n\n")]
    public async Task Egress_MalformedHead_Returns400AndCloses(string head)
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow("127.0.0.1", "a.example"));

        var answer = await SendAndReadToEndAsync(connection, head + (head.EndsWith("\n\n", StringComparison.Ordinal) && !head.EndsWith("\r\n\r\n", StringComparison.Ordinal) ? "\r\n\r\n" : ""));

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task Egress_HeadOverTheLimit_Returns400AndCloses()
    {
        await using var connection = await ConnectAsync(SandboxNetworkPolicy.Allow("127.0.0.1"));

        var answer = await SendAndReadToEndAsync(connection, $"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\nX-Pad: {new string('a', 20_000)}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("over 16 KiB", answer, StringComparison.Ordinal);
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task Egress_HeadNeverFinished_TimesOutWith408()
    {
        await using var gateway = TestGateway.Create(o => o.EgressTimeout = TimeSpan.FromMilliseconds(300));
        var lease = gateway.Open(Request(network: SandboxNetworkPolicy.Allow("127.0.0.1")));
        await using var side = new SandboxSide(lease);
        await using var connection = await side.ConnectEgressAsync(Token).WaitAsync(Bound, Token);

        var answer = await SendAndReadToEndAsync(connection, "CONNECT 127.0.0.1:1 HT");

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbsoluteFormGet_AllowedLocalHttpServer_IsForwardedInOriginFormAndClosed()
    {
        await using var upstream = await FakeModelUpstream.StartAsync(Token).WaitAsync(Bound, Token);
        var lease = _gateway.Open(Request(network: SandboxNetworkPolicy.Allow($"127.0.0.1:{upstream.BaseUrl.Port}"), observer: _observer));
        var side = new SandboxSide(lease);
        _sides.Add(side);
        using var client = side.EgressClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{upstream.BaseUrl.Port}/v1beta/models/m:generateContent?x=1");
        request.Headers.Add("Proxy-Authorization", "Basic c2VjcmV0");

        using var response = await client.SendAsync(request, Token).WaitAsync(Bound, Token);
        var body = await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeModelUpstream.GeminiJson, body);
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("/v1beta/models/m:generateContent?x=1", seen.RawTarget);
        Assert.Equal($"127.0.0.1:{upstream.BaseUrl.Port}", seen.Headers["Host"]);
        Assert.Equal("close", seen.Headers["Connection"]);
        Assert.False(seen.Headers.ContainsKey("Proxy-Authorization"));
        Assert.False(seen.Headers.ContainsKey("Proxy-Connection"));
    }

    [Fact]
    public async Task AbsoluteFormGet_HostNotAllowed_Returns403ThroughAnHttpClient()
    {
        await using var upstream = await FakeModelUpstream.StartAsync(Token).WaitAsync(Bound, Token);
        var lease = _gateway.Open(Request(network: SandboxNetworkPolicy.Allow("a.example"), observer: _observer));
        var side = new SandboxSide(lease);
        _sides.Add(side);
        using var client = side.EgressClient();

        using var response = await client.GetAsync($"http://127.0.0.1:{upstream.BaseUrl.Port}/", Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("not in this sandbox's network allowlist", await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Dispose_LeaseWithAnOpenTunnel_ClosesIt()
    {
        var lease = _gateway.Open(Request(network: SandboxNetworkPolicy.Allow("127.0.0.1")));
        var side = new SandboxSide(lease);
        _sides.Add(side);
        await using var connection = await side.ConnectEgressAsync(Token).WaitAsync(Bound, Token);
        await SendHeadAsync(connection, $"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\n\r\n");

        lease.Dispose();

        Assert.Equal(0, await connection.ReadAsync(new byte[16], Token).AsTask().WaitAsync(Bound, Token));
    }

    private static string? LoopbackNameFromHostsFile() =>
        File.Exists("/etc/hosts")
            ? File.ReadLines("/etc/hosts")
                .Select(line => line.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length > 1 && IPAddress.TryParse(fields[0], out var address) && IPAddress.IsLoopback(address))
                .SelectMany(fields => fields.Skip(1))
                .FirstOrDefault(n => !n.Contains("localhost", StringComparison.OrdinalIgnoreCase) && !n.Equals(Dns.GetHostName(), StringComparison.OrdinalIgnoreCase))
                ?.ToLowerInvariant()
            : null;

    private async Task<Stream> ConnectAsync(SandboxNetworkPolicy network)
    {
        var lease = _gateway.Open(Request(network: network, observer: _observer));
        var side = new SandboxSide(lease);
        _sides.Add(side);
        return await side.ConnectEgressAsync(Token).WaitAsync(Bound, Token);
    }

    /// <summary>Sends a head and reads the answer's head (up to its blank line).</summary>
    private static async Task<string> SendHeadAsync(Stream connection, string head)
    {
        await connection.WriteAsync(Encoding.ASCII.GetBytes(head), Token).AsTask().WaitAsync(Bound, Token);
        var answer = new StringBuilder();
        var one = new byte[1];
        while (!answer.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await connection.ReadAsync(one, Token).AsTask().WaitAsync(Bound, Token) == 0)
            {
                break;
            }

            answer.Append((char)one[0]);
        }

        return answer.ToString();
    }

    private static async Task<string> SendAndReadToEndAsync(Stream connection, string request)
    {
        await connection.WriteAsync(Encoding.ASCII.GetBytes(request), Token).AsTask().WaitAsync(Bound, Token);
        var answer = new MemoryStream();
        await connection.CopyToAsync(answer, Token).WaitAsync(Bound, Token);
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    private static async Task<string> ReadExactlyAsync(Stream connection, int count)
    {
        var buffer = new byte[count];
        await connection.ReadExactlyAsync(buffer, Token).AsTask().WaitAsync(Bound, Token);
        return Encoding.ASCII.GetString(buffer);
    }
}
