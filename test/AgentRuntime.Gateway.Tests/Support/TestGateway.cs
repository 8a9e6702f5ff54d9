using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Gateway.Tests.Support;

internal static class TestGateway
{
    /// <summary>How long any one await of a test may take before it fails instead of hanging.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static SandboxGateway Create(Action<SandboxGatewayOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var options = new SandboxGatewayOptions();
        configure?.Invoke(options);
        return new SandboxGateway(Options.Create(options), NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
    }

    public static SandboxGatewayRequest Request(string sessionId = "s1", SandboxNetworkPolicy? network = null, ModelBudget? budget = null, ISandboxGatewayObserver? observer = null, ModelUsage? initial = null) => new()
    {
        SessionId = sessionId,
        Network = network ?? SandboxNetworkPolicy.ModelOnly,
        Budget = budget,
        Observer = observer,
        InitialUsage = initial ?? new ModelUsage(),
    };
}
