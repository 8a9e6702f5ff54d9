using AgentRuntime.Blocks;
using AgentRuntime.Core.Tests.Sessions;
using AgentRuntime.Events;
using AgentRuntime.Profiles;

namespace AgentRuntime.Core.Tests.Profiles;

/// <summary>What the core does with a session's profile before the agent starts: secrets, fields not applied.</summary>
public sealed class ProfileSessionTests : IAsyncDisposable
{
    private readonly SessionHarness _harness = new(secrets: new Dictionary<string, string> { ["GITHUB_TOKEN"] = "ghp-secret" });

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connect_AProfileWithSecretsAndSubagents_HandsTheSecretsOverAndSaysOnceWhatIsNotApplied()
    {
        var profile = Profile with
        {
            EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue> { ["GH"] = new() { SecretRef = "GITHUB_TOKEN" }, ["TEAM"] = "blue" },
            Subagents = [new ProfileSubagent { Name = "tester", Description = "Writes tests", Prompt = "You write tests." }],
        };
        var session = await _harness.CreateSessionAsync(Token, profile);
        var events = _harness.Collect(session.SessionId, Token);

        await _harness.SendAndWaitAsync(session.SessionId, "one", events, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "two", events, Token);

        Assert.Equal(new Dictionary<string, string> { ["GITHUB_TOKEN"] = "ghp-secret" }, _harness.Architecture.LastContext!.Secrets);
        var notice = Assert.Single(events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<SystemBlock>(), b => b.Subtype == "profile_not_applied");
        Assert.Contains("subagents", notice.Message, StringComparison.Ordinal);
        Assert.Equal(["subagents"], _harness.Manager.GetArchitectures().Single().UnsupportedProfileFields);
    }

    [Fact]
    public async Task AgentNotices_TheSameNoticeAgainAfterARestart_IsKeptOnce_AnotherIsKept()
    {
        var session = await _harness.CreateSessionAsync(Token);
        var events = _harness.Collect(session.SessionId, Token);

        await _harness.SendAndWaitAsync(session.SessionId, "notice The MCP server x is not offered.", events, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "notice The MCP server x is not offered.", events, Token);
        await _harness.SendAndWaitAsync(session.SessionId, "notice The MCP server y is not offered.", events, Token);

        var notices = events.OfType<BlockStartEvent>().Select(e => e.Block).OfType<SystemBlock>().Where(b => b.Subtype == "profile_not_applied").Select(b => b.Message);
        Assert.Equal(["The MCP server x is not offered.", "The MCP server y is not offered."], notices);
        Assert.Equal(2, events.OfType<BlockCompleteEvent>().Count(e => e.Block is SystemBlock { Subtype: "profile_not_applied" }));
    }

    [Fact]
    public async Task Connect_AProfileReferringToAMissingSecret_FailsTheTurnNamingIt()
    {
        var profile = Profile with { EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue> { ["X"] = new() { SecretRef = "NOT_THERE" } } };
        var session = await _harness.CreateSessionAsync(Token, profile);
        var events = _harness.Collect(session.SessionId, Token);

        await _harness.SendAndWaitAsync(session.SessionId, "one", events, Token);

        var error = Assert.Single(events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>());
        Assert.Equal("missing_secret", error.Code);
        Assert.Contains("NOT_THERE", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _harness.Architecture.Connections);
    }

    private static AgentProfile Profile { get; } = new() { Id = "p", Name = "P", Network = Sandboxes.SandboxNetworkPolicy.None };

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
