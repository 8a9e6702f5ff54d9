using System.Text;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Mcp;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

/// <summary>The whole profile, written into the sandbox home, as the real CLI reads it and the scripted model sees it.</summary>
public sealed class ClaudeCodeMaterializationTests
{
    private const string MemoryText = "The project's codename is BLUE-HERON-42.";
    private const string SkillDescription = "Use when writing \"release notes\": collects changes # not a comment";
    private const string SubagentDescription = "Reviews a diff for the REVIEWER-7 checklist";
    private const string SkillScript = "#!/bin/sh\necho collected-by-script\n";
    private static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(5);

    private static readonly IReadOnlyDictionary<string, string> Secrets = new Dictionary<string, string>
    {
        ["GREETING"] = "hello-from-secret",
        ["DEPLOY_TOKEN"] = "tok-123",
    };

    private static readonly AgentProfile Profile = ClaudeSession.Profile with
    {
        AgentMdFile = MemoryText,
        Skills =
        [
            new ProfileSkill
            {
                Name = "release-notes",
                Description = SkillDescription,
                Body = "Run scripts/collect.sh, then write the notes.",
                Files = new Dictionary<string, string> { ["scripts/collect.sh"] = SkillScript, ["reference/style.md"] = "Short lines." },
            },
        ],
        Subagents = [new ProfileSubagent { Name = "reviewer", Description = SubagentDescription, Prompt = "You review diffs.", Tools = ["Read", "Grep"] }],
        Commands = [new ProfileCommand { Name = "greet", Description = "Greets someone", Prompt = "Greet $ARGUMENTS in the GREET-MARKER style." }],
        BundledMcps =
        [
            new ProfileBundledMcp
            {
                Name = "notes",
                Files = new Dictionary<string, string> { [StdioMcpTestServer.FileName] = StdioMcpTestServer.Script },
                Command = "node",
                Args = [StdioMcpTestServer.FileName],
                Env = new Dictionary<string, ProfileEnvironmentValue> { ["MCP_GREETING"] = new() { SecretRef = "GREETING" } },
            },
        ],
        EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue>
        {
            ["TEAM"] = "platform",
            ["DEPLOY_TOKEN"] = new() { SecretRef = "DEPLOY_TOKEN" },
            // The runtime's own switch; the profile's value must not replace it.
            ["DISABLE_TELEMETRY"] = "0",
        },
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_FullProfile_MemorySkillSubagentAndMcpToolReachTheModel()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("ok"));
        await using var connection = await claude.ConnectAsync(profile: Profile, secrets: Secrets);

        await ClaudeSession.RunTurnAsync(connection, "hello");

        var request = claude.Model.ConversationRequests.Single();
        // CLAUDE.md comes as a reminder in the first user message ("Contents of ~/.claude/CLAUDE.md (user's private
        // global instructions ...)"); the skill, subagent and deferred-tool listings as text the CLI adds.
        Assert.Contains($"/.claude/CLAUDE.md", Texts(request), StringComparison.Ordinal);
        Assert.Contains(MemoryText, Texts(request), StringComparison.Ordinal);
        Assert.Contains($"release-notes: {SkillDescription}", Texts(request), StringComparison.Ordinal);
        Assert.Contains($"reviewer: {SubagentDescription}", Texts(request), StringComparison.Ordinal);
        Assert.True(OffersTool(request, "mcp__notes__record"), "The MCP tool is not offered.");
    }

    [Fact]
    public async Task RunTurn_BundledMcpTool_RunsInItsFolderInTheSandboxWithItsSecret()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.ToolUse("mcp__notes__record", new { text = "remember me" }, id: "toolu_mcp"), Reply.Text("Done."));
        await using var connection = await claude.ConnectAsync(profile: Profile, secrets: Secrets);

        await ClaudeSession.RunTurnAsync(connection, "Record a note");

        var folder = $".agent-runtime/mcp/notes";
        var recorded = await claude.Sandbox.ReadFileAsync(SandboxRoot.Home, $"{folder}/{StdioMcpTestServer.RecordedFile}", Token).WaitAsync(FileTimeout, Token);
        Assert.Equal("remember me", Encoding.UTF8.GetString(recorded!));
        var result = Assert.Single(claude.Model.ConversationRequests[^1].LastToolResults).ToJsonString();
        Assert.Contains($"recorded in {claude.Sandbox.HomePath}/{folder}", result, StringComparison.Ordinal);
        Assert.Contains("greeting=hello-from-secret", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunTurn_Bash_SeesTheProfilesVariablesAndRunsTheSkillsScript()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo \"$TEAM $DEPLOY_TOKEN $DISABLE_TELEMETRY\" > env.txt && ~/.claude/skills/release-notes/scripts/collect.sh > script.txt" }),
            Reply.Text("Done."));
        await using var connection = await claude.ConnectAsync(profile: Profile, secrets: Secrets);

        await ClaudeSession.RunTurnAsync(connection, "Check the environment");

        Assert.Equal("platform tok-123 1\n", await ReadWorkspaceAsync(claude, "env.txt"));
        Assert.Equal("collected-by-script\n", await ReadWorkspaceAsync(claude, "script.txt"));
    }

    [Fact]
    public async Task RunTurn_SlashCommand_ExpandsToItsPrompt()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("Hello, world!"));
        await using var connection = await claude.ConnectAsync(profile: Profile, secrets: Secrets);

        await ClaudeSession.RunTurnAsync(connection, "/greet the whole team");

        Assert.Contains("Greet the whole team in the GREET-MARKER style.", Texts(claude.Model.ConversationRequests.Single()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_LinkPlantedAtTheSkillsFolder_IsReplacedAndNothingIsWrittenThroughIt()
    {
        await using var claude = await ClaudeSession.StartAsync();
        var outside = Directory.CreateTempSubdirectory("cc-outside-");
        try
        {
            // What an agent could do in an earlier turn: point the skills folder at a host directory it guessed.
            Assert.Equal(0, await claude.RunInSandboxAsync($"mkdir -p .claude .agent-runtime && ln -s '{outside.FullName}' .claude/skills && ln -s '{outside.FullName}' .agent-runtime/mcp"));
            claude.Model.Enqueue(Reply.Text("ok"));

            await using var connection = await claude.ConnectAsync(profile: Profile, secrets: Secrets);
            await ClaudeSession.RunTurnAsync(connection, "hello");

            Assert.Empty(outside.EnumerateFileSystemInfos("*", SearchOption.AllDirectories));
            Assert.Equal(SkillScript, Encoding.UTF8.GetString((await claude.Sandbox.ReadFileAsync(SandboxRoot.Home, ".claude/skills/release-notes/scripts/collect.sh", Token).WaitAsync(FileTimeout, Token))!));
            Assert.True(OffersTool(claude.Model.ConversationRequests.Single(), "mcp__notes__record"), "The MCP tool is not offered.");
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ConnectAsync_ProfileTools_AreTheOnlyBuiltInToolsOffered()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text("ok"));
        await using var connection = await claude.ConnectAsync(profile: ClaudeSession.Profile with { Tools = ["Read", "Skill"] });

        await ClaudeSession.RunTurnAsync(connection, "hello");

        var offered = claude.Model.ConversationRequests.Single().ToolNames;
        Assert.Contains("Read", offered);
        Assert.DoesNotContain("Bash", offered);
        Assert.DoesNotContain("Write", offered);
    }

    [Fact]
    public async Task ConnectAsync_AgainWithAnotherProfile_LeavesNothingOfTheFirst()
    {
        await using var claude = await ClaudeSession.StartAsync();
        await (await claude.ConnectAsync(profile: Profile, secrets: Secrets)).DisposeAsync();
        Assert.Equal(0, await claude.RunInSandboxAsync("mkdir -p .claude/skills/planted && printf -- '---\\nname: planted\\ndescription: PLANTED-MARKER\\n---\\nbody\\n' > .claude/skills/planted/SKILL.md"));
        claude.Model.Enqueue(Reply.Text("ok"));

        await using var connection = await claude.ConnectAsync();
        await ClaudeSession.RunTurnAsync(connection, "hello");

        var request = claude.Model.ConversationRequests.Single();
        Assert.DoesNotContain(MemoryText, Texts(request), StringComparison.Ordinal);
        Assert.DoesNotContain("PLANTED-MARKER", Texts(request), StringComparison.Ordinal);
        Assert.Empty(await claude.Sandbox.ListFilesAsync(SandboxRoot.Home, ".claude/skills", Token).WaitAsync(FileTimeout, Token));
        Assert.False(OffersTool(request, "mcp__notes__record"), "The first profile's MCP tool is still offered.");
    }

    // Everything the model reads as text: the system prompt, the messages and the tools' descriptions.
    private static string Texts(ModelRequest request) =>
        string.Join("\n", [request.System, .. request.TextsOf("system"), .. request.TextsOf("user"), .. request.Tools.Select(t => t["description"]?.GetValue<string>() ?? "")]);

    // With tool search on (the CLI's default), MCP tools are deferred: named in the request's text, their schemas
    // loaded through ToolSearch, and callable.
    private static bool OffersTool(ModelRequest request, string name) =>
        request.ToolNames.Contains(name) || Texts(request).Split('\n').Contains(name);

    private static async Task<string?> ReadWorkspaceAsync(ClaudeSession claude, string path) =>
        await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, path, Token).WaitAsync(FileTimeout, Token) is { } content ? Encoding.UTF8.GetString(content) : null;
}
