using AgentRuntime.Persistence.Tests.Conformance;

namespace AgentRuntime.Persistence.Tests.InMemory;

/// <summary>The conformance suite against <see cref="InMemoryAgentStore"/>, which keeps nothing past its instance.</summary>
public sealed class InMemoryAgentStoreTests : AgentStoreConformanceTests
{
    protected override async Task<IAgentStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        var store = new InMemoryAgentStore();
        await store.InitializeAsync(cancellationToken);
        return store;
    }
}
