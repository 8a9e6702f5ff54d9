using AgentRuntime.Architectures;

namespace AgentRuntime.Gateway;

/// <summary>How an architecture tells its agent where its model is, without handing it the key.</summary>
public static class ModelAccessEnvironment
{
    /// <summary>
    /// Sets <paramref name="keyVariable"/> to a token of the sandbox's for <paramref name="upstream"/> and
    /// <paramref name="baseUrlVariable"/> to the runtime's model proxy. A sandbox with no way to a model (network
    /// <c>none</c>, or no gateway) gets a placeholder key and an address where nothing answers, so the agent starts and
    /// says it cannot reach its model; the real key never enters the environment either way.
    /// </summary>
    public static void AddModelAccess(
        this IDictionary<string, string> environment, AgentConnectContext context, ModelUpstream upstream, string keyVariable, string baseUrlVariable)
    {
        if (context.ModelAccess is { } access && context.Sandbox.ModelProxyUrl is { } proxy)
        {
            environment[keyVariable] = access.GrantToken(upstream);
            environment[baseUrlVariable] = proxy.ToString().TrimEnd('/');
        }
        else
        {
            environment[keyVariable] = "no-model-access";
            environment[baseUrlVariable] = "http://127.0.0.1:9";
        }
    }
}
