using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// The model proxy's HTTP server: a Kestrel of its own, apart from the application's, listening only on a Unix socket
/// in a private directory (mode 0700). Nothing but a lease's splice connects there, so a token leaked out of its
/// sandbox is worthless: it would have to come in on that sandbox's own connection.
/// </summary>
internal sealed class ModelProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _directory;

    private ModelProxyServer(WebApplication app, DirectoryInfo directory, string socketPath)
    {
        _app = app;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static async Task<ModelProxyServer> StartAsync(SandboxGateway gateway, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // Under the temporary directory rather than the data directory: a socket path must stay under 108 bytes.
        var directory = Directory.CreateTempSubdirectory("agent-runtime-gateway-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var socketPath = Path.Combine(directory.FullName, "model.sock");
            var options = gateway.Options;

            // The empty builder reads no configuration, environment or appsettings of the application: this server's
            // only endpoint is the socket, and its only settings are the ones below.
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(ModelProxyServer).Assembly.GetName().Name,
                ContentRootPath = directory.FullName,
            });
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddLogging();
            // The application's ASP.NET Core tracing must not follow this server's requests: each would be a span whose
            // parent the sandbox chose (its traceparent header). The proxy's own span (ModelProxyTelemetry) covers a
            // call, under the session's turn. So this server's hosting diagnostics go by names nobody subscribes to.
            builder.Services.AddSingleton(_ => new DiagnosticListener("AgentRuntime.ModelProxy.Hosting"));
            builder.Services.AddSingleton(_ => new ActivitySource("AgentRuntime.ModelProxy.Hosting"));
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

            // The application owns the process and its signals; this server stops when the gateway does.
            builder.Services.AddSingleton<IHostLifetime, GatewayHostLifetime>();
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
                kestrel.Limits.MaxRequestLineSize = Math.Min(16 * 1024, options.MaxRequestHeadersBytes);
                kestrel.Limits.MaxRequestHeaderCount = 100;
                kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
                kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
                kestrel.ListenUnixSocket(socketPath, listen =>
                {
                    // The agents speak HTTP/1.1 to an http:// base URL; nothing here needs more.
                    listen.Protocols = HttpProtocols.Http1;
                    listen.Use(LeasePreamble.Middleware(gateway));
                });
            });

            var app = builder.Build();
            var handler = new ModelProxyHandler(gateway, loggerFactory.CreateLogger<ModelProxyHandler>());
            app.Run(handler.HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ModelProxyServer(app, directory, socketPath);
        }
        catch
        {
            directory.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            try
            {
                _directory.Delete(recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }
}

/// <summary>A host lifetime that waits for nothing and listens to no signal (unlike the console one a host gets by default).</summary>
internal sealed class GatewayHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
