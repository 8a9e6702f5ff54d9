using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Hosting;

/// <summary>
/// Returned by <c>services.AddAgentRuntime()</c>; providers hang their registration off it
/// (<c>.UseSqlite()</c>, <c>.AddClaudeCode()</c>, <c>.AddLocalSandbox()</c>).
/// </summary>
public interface IAgentRuntimeBuilder
{
    /// <summary>The service collection the runtime registers into.</summary>
    IServiceCollection Services { get; }
}
