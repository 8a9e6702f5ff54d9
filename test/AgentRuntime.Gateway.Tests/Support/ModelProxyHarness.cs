using System.Net.Http.Headers;
using System.Text;

namespace AgentRuntime.Gateway.Tests.Support;

/// <summary>A gateway, a real upstream, and the sandbox side of each lease opened, all disposed together.</summary>
internal sealed class ModelProxyHarness : IAsyncDisposable
{
    public const string AnthropicKey = "sk-ant-REAL-KEY-never-in-a-sandbox";
    public const string GeminiKey = "AIza-REAL-KEY-never-in-a-sandbox";

    private readonly List<SandboxSide> _sides = [];
    private readonly List<ISandboxGatewayLease> _leases = [];

    private ModelProxyHarness(FakeModelUpstream upstream, SandboxGateway gateway)
    {
        Upstream = upstream;
        Gateway = gateway;
    }

    public FakeModelUpstream Upstream { get; }

    public SandboxGateway Gateway { get; }

    public static async Task<ModelProxyHarness> StartAsync(Action<SandboxGatewayOptions>? configure = null)
    {
        var upstream = await FakeModelUpstream.StartAsync(TestGateway.Token).WaitAsync(TestGateway.Bound, TestGateway.Token);
        return new ModelProxyHarness(upstream, TestGateway.Create(configure));
    }

    public ModelUpstream Anthropic(string basePath = "") => new(ModelApiKind.Anthropic, new Uri(Upstream.BaseUrl, basePath), AnthropicKey);

    public ModelUpstream Gemini() => new(ModelApiKind.Gemini, Upstream.BaseUrl, GeminiKey);

    public (ISandboxGatewayLease Lease, SandboxSide Sandbox) Open(SandboxGatewayRequest? request = null)
    {
        var lease = Gateway.Open(request ?? TestGateway.Request());
        var side = new SandboxSide(lease);
        _leases.Add(lease);
        _sides.Add(side);
        return (lease, side);
    }

    public static HttpRequestMessage AnthropicRequest(string token, bool stream, string path = "v1/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(
                $$"""{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello"}]}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("x-api-key", token);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        return request;
    }

    public static HttpRequestMessage GeminiRequest(string token, bool stream, bool keyInQuery = false)
    {
        var method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
        var query = keyInQuery ? (stream ? "&" : "?") + "key=" + Uri.EscapeDataString(token) : "";
        var request = new HttpRequestMessage(HttpMethod.Post, $"v1beta/models/gemini-2.5-pro:{method}{query}")
        {
            Content = new StringContent("""{"contents":[{"role":"user","parts":[{"text":"Say hello"}]}]}""", Encoding.UTF8, "application/json"),
        };
        if (!keyInQuery)
        {
            request.Headers.Add("x-goog-api-key", token);
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var side in _sides)
        {
            await side.DisposeAsync().AsTask().WaitAsync(TestGateway.Bound);
        }

        foreach (var lease in _leases)
        {
            lease.Dispose();
        }

        await Gateway.DisposeAsync().AsTask().WaitAsync(TestGateway.Bound);
        await Upstream.DisposeAsync().AsTask().WaitAsync(TestGateway.Bound);
    }
}
