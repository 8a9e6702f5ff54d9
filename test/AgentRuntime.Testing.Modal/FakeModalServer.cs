using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sandboxes.Local;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Testing.Modal;

/// <summary>
/// A Modal-compatible server for tests: Modal's control-plane and task command router services (the provider's own
/// .proto), over cleartext HTTP/2 on loopback. Each sandbox is a real local bubblewrap sandbox and each exec a real
/// process in it. It checks credentials like the real service (token id and secret, the auth token it issued, the
/// router's JWT), counts calls, and can be told to fail calls.
/// </summary>
public sealed class FakeModalServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<StatusCode>> _faults = new(StringComparer.Ordinal);

    private FakeModalServer(WebApplication app, string directory, ISandboxProvider local)
    {
        _app = app;
        Directory = directory;
        Local = local;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>The token id the server accepts.</summary>
    public string TokenId { get; } = "ak-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The token secret the server accepts.</summary>
    public string TokenSecret { get; } = "as-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Where the server listens (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Address { get; }

    internal string Directory { get; }

    internal ISandboxProvider Local { get; }

    internal ConcurrentDictionary<string, string> Apps { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, FakeImage> Images { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, FakeSandbox> Sandboxes { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, byte> AuthTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Every exec started: its command line and environment, as one text each (to look for what must not be there).</summary>
    public ConcurrentQueue<string> Execs { get; } = new();

    /// <summary>The sandboxes created, in order, with their tags.</summary>
    public IReadOnlyList<(string Id, IReadOnlyDictionary<string, string> Tags)> Created =>
        Sandboxes.Values.OrderBy(s => s.Number).Select(s => (s.Id, s.Tags)).ToList();

    /// <summary>How often an RPC was called (by its name, such as <c>SandboxCreate</c>), failed calls included.</summary>
    public int Calls(string rpc) => _calls.GetValueOrDefault(rpc);

    /// <summary>Makes the next <paramref name="times"/> calls of an RPC fail with <paramref name="code"/>.</summary>
    public void FailNext(string rpc, StatusCode code, int times = 1)
    {
        var queue = _faults.GetOrAdd(rpc, _ => new Queue<StatusCode>());
        lock (queue)
        {
            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(code);
            }
        }
    }

    /// <summary>Ends a sandbox as Modal would on its own (a timeout, an eviction): its processes are killed.</summary>
    public async Task LoseAsync(string sandboxId)
    {
        if (Sandboxes.TryGetValue(sandboxId, out var sandbox))
        {
            await sandbox.EndAsync(FakeSandbox.Ending.Timeout).ConfigureAwait(false);
        }
    }

    /// <summary>The sandboxes still running.</summary>
    public IReadOnlyList<string> Running => Sandboxes.Values.Where(s => !s.Ended.IsCompleted).Select(s => s.Id).ToList();

    /// <summary>Starts the server on a port of its own, with sandboxes under a private directory.</summary>
    public static async Task<FakeModalServer> StartAsync(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var sandboxRoot = Path.Combine(directory, "sandboxes");
        var services = new ServiceCollection().AddLogging().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        new Builder(services).AddLocalSandbox(o => o.RootDirectory = sandboxRoot);
        services.AddOptions<AgentRuntimeOptions>().Configure(o => o.DataDirectory = directory);
        var local = services.BuildServiceProvider().GetRequiredService<ISandboxProvider>();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        FakeModalServer? server = null;
        builder.Services.AddSingleton(_ => server!);
        var app = builder.Build();
        app.MapGrpcService<FakeModalControl>();
        app.MapGrpcService<FakeCommandRouter>();
        await app.StartAsync().ConfigureAwait(false);
        server = new FakeModalServer(app, directory, local);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Sandboxes.Values.Select(s => s.EndAsync(FakeSandbox.Ending.Terminated))).ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Counts the call, applies an injected fault, and checks the credentials a control-plane call carries.</summary>
    internal void Admit(ServerCallContext context, string rpc, bool needsAuthToken = true)
    {
        _calls.AddOrUpdate(rpc, 1, (_, n) => n + 1);
        if (_faults.TryGetValue(rpc, out var queue))
        {
            lock (queue)
            {
                if (queue.TryDequeue(out var code))
                {
                    throw new RpcException(new Status(code, $"injected {code}"));
                }
            }
        }

        var headers = context.RequestHeaders;
        if (headers.GetValue("x-modal-client-type") is not { Length: > 0 } || headers.GetValue("x-modal-client-version") is not { Length: > 0 })
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "missing client type or version"));
        }

        if (headers.GetValue("x-modal-token-id") != TokenId || headers.GetValue("x-modal-token-secret") != TokenSecret)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Token ID or secret is invalid"));
        }

        if (needsAuthToken && (headers.GetValue("x-modal-auth-token") is not { } token || !AuthTokens.ContainsKey(token)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing or invalid auth token"));
        }
    }

    /// <summary>Counts a router call, applies an injected fault, and checks its bearer JWT.</summary>
    internal FakeSandbox AdmitRouter(ServerCallContext context, string rpc, string taskId)
    {
        _calls.AddOrUpdate(rpc, 1, (_, n) => n + 1);
        if (_faults.TryGetValue(rpc, out var queue))
        {
            lock (queue)
            {
                if (queue.TryDequeue(out var code))
                {
                    throw new RpcException(new Status(code, $"injected {code}"));
                }
            }
        }

        var sandbox = Sandboxes.Values.FirstOrDefault(s => s.TaskId == taskId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"task {taskId} not found"));
        if (context.RequestHeaders.GetValue("authorization") != "Bearer " + sandbox.RouterJwt)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "invalid router token"));
        }

        return sandbox;
    }

    /// <summary>A JWT-shaped token whose payload carries an expiry, as the SDKs parse it.</summary>
    internal static string NewJwt(TimeSpan lifetime)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds();
        return $"{Part("{\"alg\":\"none\"}")}.{Part($"{{\"exp\":{exp},\"n\":\"{Guid.NewGuid():N}\"}}")}.sig";
    }

    private sealed class Builder(IServiceCollection services) : IAgentRuntimeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
