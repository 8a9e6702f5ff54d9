using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentRuntime.Gateway.Hosting;

/// <summary>
/// Stops the gateway with the application: closes every lease and the model proxy's server, and removes its socket.
/// Nothing starts here: the proxy's server starts with the first model connection.
/// </summary>
internal sealed class SandboxGatewayHostedService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Looked up at stop rather than injected: an application that registered its own gateway gets its own back, and
    // this one stays unbuilt.
    public Task StopAsync(CancellationToken cancellationToken) =>
        services.GetService<ISandboxGateway>() is SandboxGateway gateway ? gateway.StopAsync() : Task.CompletedTask;
}
