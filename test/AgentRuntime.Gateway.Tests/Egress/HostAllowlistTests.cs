using System.Net;
using AgentRuntime.Gateway.Egress;

namespace AgentRuntime.Gateway.Tests.Egress;

public sealed class HostAllowlistTests
{
    [Theory]
    [InlineData("*.example", "a.example", 443, true)]
    [InlineData("*.example", "b.a.example", 80, true)]
    [InlineData("*.example", "example", 443, false)]
    [InlineData("*.example", "badexample", 443, false)]
    [InlineData("example", "a.example", 443, false)]
    [InlineData("Example.COM", "example.com", 22, true)]
    [InlineData("example.com", "EXAMPLE.com.", 443, true)]
    [InlineData("example.com:443", "example.com", 443, true)]
    [InlineData("example.com:443", "example.com", 80, false)]
    [InlineData("*.example.com:8443", "api.example.com", 8443, true)]
    [InlineData("*.example.com:8443", "api.example.com", 443, false)]
    [InlineData("10.0.0.5", "10.0.0.5", 9000, true)]
    [InlineData("10.0.0.5:9000", "10.0.5", 9000, true)]
    [InlineData("10.0.0.5", "10.0.0.6", 9000, false)]
    [InlineData("*.0.0.5", "10.0.0.5", 80, false)]
    [InlineData("[::1]:8080", "::1", 8080, true)]
    [InlineData("::1", "::1", 1, true)]
    [InlineData("not a host:99999", "not", 1, false)]
    public void Match_Entry_MatchesAsTheRulesSay(string entry, string host, int port, bool allowed)
    {
        var allowlist = HostAllowlist.Parse([entry]);

        Assert.Equal(allowed, allowlist.Match(EgressHost.Create(host), port) is not null);
    }

    [Fact]
    public void Match_SeveralEntriesMatch_TheExactNameWithThePortWins()
    {
        var allowlist = HostAllowlist.Parse(["*.localhost", "localhost", "localhost:8080"]);

        Assert.Equal(8080, allowlist.Match(EgressHost.Create("localhost"), 8080)?.Port);
        Assert.Null(allowlist.Match(EgressHost.Create("localhost"), 8081)?.Port);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("fe80::1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("0.1.2.3", true)]
    [InlineData("::", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("64:ff9b::127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("93.184.216.34", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("64:ff9b::93.184.216.34", false)]
    public void IsRestricted_Address_IsThisMachineOrTheMetadataService(string address, bool restricted)
    {
        Assert.Equal(restricted, HostAllowlist.IsRestricted(IPAddress.Parse(address)));
    }
}
