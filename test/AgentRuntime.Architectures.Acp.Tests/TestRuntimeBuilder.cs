using AgentRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Architectures.Acp.Tests;

/// <summary>The builder <c>AddAgentRuntime()</c> returns, for registering providers without the core.</summary>
internal sealed class TestRuntimeBuilder(IServiceCollection services) : IAgentRuntimeBuilder
{
    public IServiceCollection Services { get; } = services;
}
