using System.Text.Json;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Serialization;

namespace AgentRuntime.Core.Tests.Serialization;

public sealed class NetworkPolicyWireTests
{
    [Fact]
    public void Profile_WithoutNetwork_IsModelOnly()
    {
        var profile = JsonSerializer.Deserialize("""{"id": "p", "name": "P"}""", AgentRuntimeJsonContext.Default.AgentProfile)!;

        Assert.Equal(SandboxNetworkPolicy.ModelOnly, profile.Network);
    }

    [Theory]
    [InlineData("\"none\"", SandboxNetworkMode.None)]
    [InlineData("\"model-only\"", SandboxNetworkMode.ModelOnly)]
    [InlineData("\"host\"", SandboxNetworkMode.Host)]
    [InlineData("""{"allow": ["a.example", "*.b.example", "localhost:8080"]}""", SandboxNetworkMode.Allowlist)]
    public void Profile_Network_RoundTrips(string network, SandboxNetworkMode mode)
    {
        var profile = JsonSerializer.Deserialize($$"""{"id": "p", "name": "P", "network": {{network}}}""", AgentRuntimeJsonContext.Default.AgentProfile)!;
        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(profile, AgentRuntimeJsonContext.Default.AgentProfile), AgentRuntimeJsonContext.Default.AgentProfile)!;

        Assert.Equal(mode, profile.Network.Mode);
        Assert.Equal(profile.Network, again.Network);
    }

    [Theory]
    [InlineData("\"everything\"", "not one of")]
    [InlineData("""{"deny": ["a.example"]}""", "the only member is \"allow\"")]
    [InlineData("""{"allow": ["a b"]}""", "is not a host name")]
    [InlineData("""{"allow": ["a.example:99999"]}""", "port that is not 1-65535")]
    [InlineData("""{"allow": [1]}""", "host names as strings")]
    public void Profile_WithABadNetwork_IsRejectedWithTheReason(string network, string reason)
    {
        var error = Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize($$"""{"id": "p", "name": "P", "network": {{network}}}""", AgentRuntimeJsonContext.Default.AgentProfile));

        Assert.Contains(reason, error.Message);
    }
}
