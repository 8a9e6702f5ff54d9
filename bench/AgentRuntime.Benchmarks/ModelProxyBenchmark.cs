using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentRuntime.Gateway;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// What the model proxy adds to a streamed model call: the same Anthropic-style SSE answer fetched directly from a
/// local upstream and through a gateway lease (a loopback port standing in for the sandbox's, the splice, the proxy's
/// Unix socket and Kestrel, the upstream client), alternately, on kept-alive connections as the agent CLIs use them.
/// </summary>
internal static class ModelProxyBenchmark
{
    public const int Requests = 300;
    public static readonly TimeSpan EventInterval = TimeSpan.FromMilliseconds(1);
    private const int WarmUp = 30;

    // A short answer of the shape Claude streams: message_start, text deltas, message_delta, message_stop.
    private static readonly string[] Events =
    [
        """event: message_start""" + "\n" + """data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":1200,"cache_read_input_tokens":9000,"output_tokens":1}}}""",
        .. Enumerable.Range(0, 8).Select(i => "event: content_block_delta\n" + $$$$"""data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word {{{{i}}}} "}}"""),
        """event: message_delta""" + "\n" + """data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":40}}""",
        """event: message_stop""" + "\n" + """data: {"type":"message_stop"}""",
    ];

    public static async Task<ModelProxyResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var upstream = await StartUpstreamAsync(cancellationToken);
        var upstreamUrl = new Uri(upstream.Urls.Single());

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        new Builder(services).AddSandboxGateway();
        await using var provider = services.BuildServiceProvider();
        var gateway = provider.GetRequiredService<ISandboxGateway>();
        using var lease = gateway.Open(new SandboxGatewayRequest { SessionId = "bench", Network = SandboxNetworkPolicy.ModelOnly });
        var token = lease.GrantToken(new ModelUpstream(ModelApiKind.Anthropic, upstreamUrl, "bench-key"));

        // The sandbox's model port: the provider accepts there and hands each connection to the lease.
        using var sandboxPort = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sandboxPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sandboxPort.Listen();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var accepting = AcceptAsync(sandboxPort, lease, stop.Token);

        using var direct = new HttpClient { BaseAddress = upstreamUrl };
        using var proxied = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)sandboxPort.LocalEndPoint!).Port}/") };
        var directTimes = new List<(double, double)>();
        var proxiedTimes = new List<(double, double)>();
        for (var i = 0; i < WarmUp + Requests; i++)
        {
            var d = await CallAsync(direct, "bench-key", cancellationToken);
            var p = await CallAsync(proxied, token, cancellationToken);
            if (i >= WarmUp)
            {
                directTimes.Add(d);
                proxiedTimes.Add(p);
            }
        }

        await stop.CancelAsync();
        await accepting;
        return new ModelProxyResult(Summarize(directTimes), Summarize(proxiedTimes), lease.Usage.TotalTokens);
    }

    /// <summary>One streamed call: milliseconds to the first byte of the answer's body, and to its end.</summary>
    private static async Task<(double FirstByte, double Total)> CallAsync(HttpClient client, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        var watch = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        var firstByte = 0.0;
        var read = await body.ReadAsync(buffer, cancellationToken);
        firstByte = watch.Elapsed.TotalMilliseconds;
        while (read > 0)
        {
            read = await body.ReadAsync(buffer, cancellationToken);
        }

        return (firstByte, watch.Elapsed.TotalMilliseconds);
    }

    private static async Task<WebApplication> StartUpstreamAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Response.ContentType = "text/event-stream";
            for (var i = 0; i < Events.Length; i++)
            {
                if (i > 0)
                {
                    // A pause between events, as a model's tokens come, so the first byte and the end are apart and
                    // every event crosses the proxy on its own.
                    await Task.Delay(EventInterval, context.RequestAborted);
                }

                await context.Response.WriteAsync(Events[i] + "\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static async Task AcceptAsync(Socket port, ISandboxGatewayLease lease, CancellationToken cancellationToken)
    {
        var serving = new List<Task>();
        try
        {
            while (true)
            {
                var connection = await port.AcceptAsync(cancellationToken);
                connection.NoDelay = true;
                serving.Add(lease.ServeModelAsync(new NetworkStream(connection, ownsSocket: true), cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(serving).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static LatencySummary Summarize(List<(double FirstByte, double Total)> times) => new(
        Percentile([.. times.Select(t => t.FirstByte)], 0.5),
        Percentile([.. times.Select(t => t.FirstByte)], 0.99),
        Percentile([.. times.Select(t => t.Total)], 0.5),
        Percentile([.. times.Select(t => t.Total)], 0.99));

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    private sealed class Builder(IServiceCollection services) : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

/// <summary>Milliseconds to the first byte of a streamed answer and to its end, median and 99th percentile.</summary>
internal sealed record LatencySummary(double FirstByteP50, double FirstByteP99, double TotalP50, double TotalP99);

/// <summary>The model proxy benchmark's figures: direct, through the lease, and the tokens the proxy counted.</summary>
internal sealed record ModelProxyResult(LatencySummary Direct, LatencySummary Proxied, long CountedTokens);
