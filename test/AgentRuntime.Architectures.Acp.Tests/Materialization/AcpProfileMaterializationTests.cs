using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Tests.Connection;
using AgentRuntime.Architectures.Acp.Tests.Support;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Tests.Materialization;

public sealed class AcpProfileMaterializationTests
{
    private static readonly AgentProfile Profile = new() { Id = "p", Name = "P" };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_ProfileMcpServers_OfferedInSessionNewAsTheAgentTakesThem()
    {
        await using var harness = new AcpAgentHarness();
        var profile = Profile with
        {
            ExternalMcps =
            [
                new ProfileExternalMcp { Name = "git", Command = "git-mcp", Args = ["--repo", "."], Env = new Dictionary<string, ProfileEnvironmentValue> { ["MODE"] = "ro", ["GIT_TOKEN"] = new() { SecretRef = "gitToken" } } },
                new ProfileExternalMcp { Name = "docs", Type = "http", Url = "https://docs.example/mcp", Headers = new Dictionary<string, ProfileEnvironmentValue> { ["Authorization"] = new() { SecretRef = "docsAuth" } } },
                new ProfileExternalMcp { Name = "events", Type = "sse", Url = "https://events.example/sse" },
            ],
            BundledMcps = [new ProfileBundledMcp { Name = "calc", Files = new Dictionary<string, string> { ["server.js"] = "// calc", ["lib/util.js"] = "// util" }, Command = "node", Args = ["server.js"], Env = new Dictionary<string, ProfileEnvironmentValue> { ["PRECISION"] = "4" } }],
        };
        JsonObject? created = null;

        var connection = await harness.ConnectAsync(profile: profile, secrets: new Dictionary<string, string> { ["gitToken"] = "t-123", ["docsAuth"] = "Bearer d-456" }, agentSide: async () =>
        {
            var init = await harness.Agent.ExpectAsync("initialize");
            await harness.Agent.RespondAsync(init["id"], new JsonObject { ["protocolVersion"] = 1, ["agentCapabilities"] = new JsonObject { ["mcpCapabilities"] = new JsonObject { ["http"] = true, ["sse"] = false } } });
            created = await harness.Agent.ExpectAsync("session/new");
            await harness.Agent.RespondAsync(created["id"], new JsonObject { ["sessionId"] = "acp-1" });
        });

        var expected = JsonNode.Parse("""
            [
              {"name": "git", "command": "git-mcp", "args": ["--repo", "."], "env": [{"name": "MODE", "value": "ro"}, {"name": "GIT_TOKEN", "value": "t-123"}]},
              {"type": "http", "name": "docs", "url": "https://docs.example/mcp", "headers": [{"name": "Authorization", "value": "Bearer d-456"}]},
              {"name": "calc", "command": "/bin/sh", "args": ["-c", "cd \"$0\" && exec \"$@\"", "/sandbox/home/.agent-runtime/mcp/calc", "node", "server.js"], "env": [{"name": "PRECISION", "value": "4"}]}
            ]
            """);
        var offered = created!["params"]!["mcpServers"];
        Assert.True(JsonNode.DeepEquals(expected, offered), offered!.ToJsonString());
        Assert.Equal("// util", Encoding.UTF8.GetString((await harness.Sandbox.ReadFileAsync(SandboxRoot.Home, ".agent-runtime/mcp/calc/lib/util.js", Token))!));
        var events = await AcpAgentHarness.RunTurnAsync(connection, "hi", prompt => harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" }), harness.Agent);
        var notice = events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<SystemBlock>().Single(b => b.Subtype == "profile_not_applied");
        Assert.Contains("events (sse)", notice.Message, StringComparison.Ordinal);
        Assert.Equal("""["events"]""", notice.Metadata!["mcpServers"]!.ToJsonString());
    }

    [Fact]
    public async Task ConnectAsync_ProfileEnvironment_ReachesTheAgentUnderTheRuntimesOwnVariables()
    {
        await using var harness = new AcpAgentHarness();
        var profile = Profile with
        {
            EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue> { ["TEAM"] = "blue", ["SERVICE_PASSWORD"] = new() { SecretRef = "pw" }, ["AGENT_KEY"] = "from-profile", ["HOME"] = "/elsewhere" },
        };

        await harness.ConnectAsync(profile: profile, secrets: new Dictionary<string, string> { ["pw"] = "s3cret" });

        var environment = Assert.Single(harness.Sandbox.Started).Environment;
        Assert.Equal(("blue", "s3cret", "from-profile", "/sandbox/home"), (environment["TEAM"], environment["SERVICE_PASSWORD"], environment["AGENT_KEY"], environment["HOME"]));
    }

    [Fact]
    public async Task RunTurn_ProfileSlashCommand_SendsTheExpandedPrompt()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync(profile: Profile with { Commands = [new ProfileCommand { Name = "review", Prompt = "Review $ARGUMENTS for bugs." }] });
        string? sent = null;

        await AcpAgentHarness.RunTurnAsync(connection, "/review src/app.ts", async prompt =>
        {
            sent = prompt["params"]!["prompt"]!.AsArray().Single()!["text"]!.GetValue<string>();
            await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" });
        }, harness.Agent);

        Assert.Equal("Review src/app.ts for bugs.", sent);
    }

    [Fact]
    public async Task ConnectAsync_AgentMdFileAndAnEmptyWorkspace_WritesAgentsMd()
    {
        await using var harness = new AcpAgentHarness();

        await harness.ConnectAsync(profile: Profile with { AgentMdFile = "# Rules\nBe brief." });

        Assert.Equal("# Rules\nBe brief.", Encoding.UTF8.GetString((await harness.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "AGENTS.md", Token))!));
    }

    [Fact]
    public async Task ConnectAsync_WorkspaceWithTheUsersOwnAgentsMd_LeavesItAndSaysSo()
    {
        await using var harness = new AcpAgentHarness();
        await harness.Sandbox.WriteFileAsync(SandboxRoot.Workspace, "AGENTS.md", "mine"u8.ToArray(), Token);
        var connection = await harness.ConnectAsync(profile: Profile with { AgentMdFile = "profile's" });

        var events = await AcpAgentHarness.RunTurnAsync(connection, "hi", prompt => harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" }), harness.Agent);

        Assert.Equal("mine", Encoding.UTF8.GetString((await harness.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "AGENTS.md", Token))!));
        var notice = events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<SystemBlock>().Single(b => b.Subtype == "profile_not_applied");
        Assert.Contains("own AGENTS.md", notice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundledMcpFiles_AcrossConnects_RemovedServersAndFilesGo_InstalledServersAreNotCopied()
    {
        var sandbox = new MemorySandbox();
        static ProfileBundledMcp Server(string name, params string[] files) =>
            new() { Name = name, Command = "node", Files = files.ToDictionary(f => f, f => $"// {f}") };
        var none = new Dictionary<string, string>();

        await Acp.Materialization.BundledMcpFiles.WriteAsync(sandbox, Profile with { BundledMcps = [Server("calc", "a.js", "lib/b.js"), Server("old", "x.js")] }, none, Token);
        await sandbox.WriteFileAsync(SandboxRoot.Home, ".agent-runtime/mcp/calc/planted.js", "// by the agent"u8.ToArray(), Token);
        await Acp.Materialization.BundledMcpFiles.WriteAsync(sandbox, Profile with { BundledMcps = [Server("calc", "a.js"), Server("built", "y.js")] }, new Dictionary<string, string> { ["built"] = "/layer/mcp/built" }, Token);

        var files = (await sandbox.ListFilesAsync(SandboxRoot.Home, ".agent-runtime/mcp", Token)).Select(f => f.RelativePath).Order(StringComparer.Ordinal);
        Assert.Equal([".agent-runtime/mcp/calc/a.js"], files);
    }

    [Fact]
    public async Task WorkspaceAgentsMd_AcrossConnects_ReplacesAndRemovesOnlyWhatTheRuntimeWrote()
    {
        var sandbox = new MemorySandbox();
        const string record = ".agent-runtime/acp/agents-md.json";
        async Task<string?> ReadAsync() => await sandbox.ReadFileAsync(SandboxRoot.Workspace, "AGENTS.md", Token) is { } b ? Encoding.UTF8.GetString(b) : null;

        Assert.Null(await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, "v1", record, Token));
        Assert.Null(await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, "v2", record, Token));
        Assert.Equal("v2", await ReadAsync());
        Assert.Null(await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, null, record, Token));
        Assert.Null(await ReadAsync());

        await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, "v3", record, Token);
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "AGENTS.md", "v3 edited by the user"u8.ToArray(), Token);
        Assert.NotNull(await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, "v4", record, Token));
        Assert.Null(await Acp.Materialization.WorkspaceAgentsMd.ApplyAsync(sandbox, null, record, Token));
        Assert.Equal("v3 edited by the user", await ReadAsync());
    }

    [Theory]
    [InlineData("/review a.ts", "Review a.ts now.")]
    [InlineData("  /review   a.ts b.ts  ", "Review a.ts b.ts now.")]
    [InlineData("/review", "Review  now.")]
    [InlineData("/plain some args", "Plain prompt.\n\nsome args")]
    [InlineData("/plain", "Plain prompt.")]
    [InlineData("/reviewer a.ts", "/reviewer a.ts")]
    [InlineData("please /review a.ts", "please /review a.ts")]
    public void ProfileSlashCommands_Expand_ReplacesArgumentsOfAKnownCommandOnly(string message, string expected)
    {
        IReadOnlyList<ProfileCommand> commands = [new() { Name = "review", Prompt = "Review $ARGUMENTS now." }, new() { Name = "plain", Prompt = "Plain prompt." }];

        Assert.Equal(expected, Acp.Materialization.ProfileSlashCommands.Expand(message, commands));
    }

    [Fact]
    public void UnsupportedProfileFields_GenericAgent_NamesWhatAcpCannotCarry()
    {
        var harness = new AcpAgentHarness();

        Assert.Equal(["systemPrompt", "tools", "skills", "subagents"], ((IAgentArchitecture)harness.Architecture).UnsupportedProfileFields);
    }
}
