using System.Collections.Concurrent;

namespace AgentRuntime.Gateway.Tests.Support;

/// <summary>Keeps what the gateway told it.</summary>
internal sealed class RecordingObserver : ISandboxGatewayObserver
{
    public ConcurrentQueue<(string Host, int Port)> EgressDenied { get; } = new();

    public ConcurrentQueue<(ModelBudget Budget, ModelUsage Usage)> BudgetExceeded { get; } = new();

    public void OnEgressDenied(string host, int port) => EgressDenied.Enqueue((host, port));

    public void OnBudgetExceeded(ModelBudget budget, ModelUsage usage) => BudgetExceeded.Enqueue((budget, usage));
}
