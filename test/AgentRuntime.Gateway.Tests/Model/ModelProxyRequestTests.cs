using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentRuntime.Gateway.Model;
using AgentRuntime.Gateway.Tests.Support;
using static AgentRuntime.Gateway.Tests.Support.TestGateway;

namespace AgentRuntime.Gateway.Tests.Model;

public sealed class ModelProxyRequestTests
{
    [Fact]
    public async Task ServeModel_UpstreamWithABasePath_ForwardsUnderIt()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic("/anthropic/"));
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.AnthropicRequest(token, stream: false), Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/anthropic/v1/messages", Assert.Single(harness.Upstream.Requests).RawTarget);
    }

    [Theory]
    [InlineData("/../../../other/v1/messages", "/anthropic/other/v1/messages")]
    [InlineData("/%2e%2e/%2E%2E/other/v1/messages", "/anthropic/other/v1/messages")]
    [InlineData("//evil.example/v1/messages", "/anthropic//evil.example/v1/messages")]
    public async Task ServeModel_PathThatTriesToLeaveTheBase_StaysUnderTheUpstreamBase(string path, string forwarded)
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic("/anthropic/"));
        await using var connection = await sandbox.ConnectModelAsync(Token).WaitAsync(Bound, Token);

        var answer = await SendRawAsync(connection, $"GET {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {token}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 404", answer, StringComparison.Ordinal);
        Assert.Equal(forwarded, Assert.Single(harness.Upstream.Requests).RawTarget);
    }

    [Theory]
    [InlineData("GET http://evil.example/v1/messages HTTP/1.1")]
    [InlineData("CONNECT evil.example:443 HTTP/1.1")]
    [InlineData("OPTIONS * HTTP/1.1")]
    public async Task ServeModel_TargetThatNamesAHost_IsRefusedAndReachesNothing(string requestLine)
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        await using var connection = await sandbox.ConnectModelAsync(Token).WaitAsync(Bound, Token);

        var answer = await SendRawAsync(connection, $"{requestLine}\r\nHost: evil.example\r\nx-api-key: {token}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 4", answer, StringComparison.Ordinal);
        Assert.Empty(harness.Upstream.Requests);
    }

    [Fact]
    public async Task ServeModel_HeadersOverTheLimit_Returns431()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        await using var connection = await sandbox.ConnectModelAsync(Token).WaitAsync(Bound, Token);
        var big = string.Concat(Enumerable.Range(0, 20).Select(i => $"x-filler-{i}: {new string('a', 4000)}\r\n"));

        var answer = await SendRawAsync(connection, $"GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: {token}\r\n{big}\r\n");

        Assert.StartsWith("HTTP/1.1 431", answer, StringComparison.Ordinal);
        Assert.Empty(harness.Upstream.Requests);
    }

    [Fact]
    public async Task ServeModel_BodyOverTheLimit_Returns413()
    {
        await using var harness = await ModelProxyHarness.StartAsync(o => o.MaxRequestBodyBytes = 4096);
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        using var client = sandbox.ModelClient();
        using var request = ModelProxyHarness.AnthropicRequest(token, stream: false);
        request.Content = new StringContent($$"""{"model":"claude-sonnet-4-5","pad":"{{new string('a', 10_000)}}"}""", Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request, Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ServeModel_UpstreamUnreachable_Returns502InTheUpstreamsFormat()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, sandbox) = harness.Open();
        var token = lease.GrantToken(new ModelUpstream(ModelApiKind.Gemini, new Uri("http://127.0.0.1:1/"), "k"));
        using var client = sandbox.ModelClient();

        using var response = await client.SendAsync(ModelProxyHarness.GeminiRequest(token, stream: true), Token).WaitAsync(Bound, Token);
        var body = await response.Content.ReadAsStringAsync(Token).WaitAsync(Bound, Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("\"status\":\"UNAVAILABLE\"", body, StringComparison.Ordinal);
        // The answer can reach the client before the handler has counted the call as ended: wait for it, bounded.
        await ModelProxyUsageTests.WaitUntilAsync(() => ((SandboxGatewayLease)lease).CallsInFlight == 0);
    }

    [Fact]
    public async Task ModelSocket_ConnectionWithoutALeasePreamble_IsClosedUnanswered()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var (lease, _) = harness.Open();
        var token = lease.GrantToken(harness.Anthropic());
        var path = await harness.Gateway.GetModelSocketPathAsync(Token).AsTask().WaitAsync(Bound, Token);

        foreach (var preamble in new[] { "", "AGENT-RUNTIME-LEASE 0123456789abcdef0123456789abcdef\n", $"AGENT-RUNTIME-LEASE {new string('a', 500)}\n" })
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), Token).AsTask().WaitAsync(Bound, Token);
            await using var stream = new NetworkStream(socket);
            var answer = await SendRawAsync(stream, $"{preamble}GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: {token}\r\n\r\n");

            Assert.Equal("", answer);
        }

        Assert.Empty(harness.Upstream.Requests);
    }

    [Fact]
    public async Task ModelSocket_Directory_IsPrivateToTheServersUser()
    {
        await using var harness = await ModelProxyHarness.StartAsync();
        var path = await harness.Gateway.GetModelSocketPathAsync(Token).AsTask().WaitAsync(Bound, Token);
        var directory = Path.GetDirectoryName(path)!;

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }

        await harness.Gateway.StopAsync().WaitAsync(Bound, Token);

        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Resolve_BaseWithPathAndAPath_StaysOnTheBasesHostUnderItsPath()
    {
        var target = ModelRequestTarget.Resolve(new Uri("https://api.example.com/proxy/"), new Microsoft.AspNetCore.Http.PathString("/v1beta/models/gemini-2.5-pro:generateContent"), "?alt=sse");

        Assert.Equal("https://api.example.com/proxy/v1beta/models/gemini-2.5-pro:generateContent?alt=sse", target?.AbsoluteUri);
    }

    /// <summary>Sends raw bytes and reads the answer until the connection closes (or 5 s pass after the last byte).</summary>
    private static async Task<string> SendRawAsync(Stream connection, string request)
    {
        await connection.WriteAsync(Encoding.ASCII.GetBytes(request), Token).AsTask().WaitAsync(Bound, Token);
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await connection.ReadAsync(buffer, Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset after the answer: what was read is the answer.
        }

        return Encoding.ASCII.GetString(answer.ToArray());
    }
}
