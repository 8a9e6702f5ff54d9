using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Claude.Profiles;
using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Claude.Tests.Profiles;

public sealed class ClaudeHomeTests
{
    private static readonly AgentProfile Profile = new() { Id = "p", Name = "P" };
    private static readonly IReadOnlyDictionary<string, string> NoSecrets = new Dictionary<string, string>();

    [Fact]
    public void Files_SkillDescriptionWithYamlSyntax_StaysOneQuotedString()
    {
        var profile = Profile with { Skills = [new ProfileSkill { Name = "s", Description = "a: b # c \"d\" \\ - [e]", Body = "Body." }] };

        var skill = ClaudeHome.Files(profile, "/home/agent", NoSecrets).Single(f => f.Path == ".claude/skills/s/SKILL.md");

        Assert.Equal("---\nname: \"s\"\ndescription: \"a: b # c \\\"d\\\" \\\\ - [e]\"\n---\n\nBody.\n", skill.Content);
    }

    [Fact]
    public void Files_SupportingFiles_AreExecutableOnlyWithAShebang()
    {
        var profile = Profile with
        {
            Skills = [new ProfileSkill { Name = "s", Description = "d", Body = "b", Files = new Dictionary<string, string> { ["run.sh"] = "#!/bin/sh\n", ["notes.md"] = "# Notes" } }],
        };

        var files = ClaudeHome.Files(profile, "/home/agent", NoSecrets).ToDictionary(f => f.Path);

        Assert.True(files[".claude/skills/s/run.sh"].Executable);
        Assert.False(files[".claude/skills/s/notes.md"].Executable);
    }

    [Fact]
    public void Files_SubagentAndCommand_HaveTheirFrontMatter()
    {
        var profile = Profile with
        {
            Subagents = [new ProfileSubagent { Name = "rev", Description = "Reviews", Prompt = "You review.", Tools = ["Read", "Grep"], Model = "haiku" }],
            Commands = [new ProfileCommand { Name = "go", Prompt = "Do $ARGUMENTS." }],
        };

        var files = ClaudeHome.Files(profile, "/home/agent", NoSecrets).ToDictionary(f => f.Path, f => f.Content);

        Assert.Equal("---\nname: \"rev\"\ndescription: \"Reviews\"\ntools: \"Read, Grep\"\nmodel: \"haiku\"\n---\n\nYou review.\n", files[".claude/agents/rev.md"]);
        Assert.Equal("Do $ARGUMENTS.\n", files[".claude/commands/go.md"]);
    }

    [Fact]
    public void McpConfig_Servers_HaveTheirSecretsResolvedAndBundledOnesStartInTheirFolder()
    {
        var profile = Profile with
        {
            ExternalMcps =
            [
                new ProfileExternalMcp { Name = "local", Command = "npx", Args = ["srv"], Env = new Dictionary<string, ProfileEnvironmentValue> { ["KEY"] = new() { SecretRef = "K" } } },
                new ProfileExternalMcp { Name = "remote", Type = "http", Url = "https://mcp.example/x", Headers = new Dictionary<string, ProfileEnvironmentValue> { ["Authorization"] = new() { SecretRef = "H" } } },
            ],
            BundledMcps = [new ProfileBundledMcp { Name = "mine", Files = new Dictionary<string, string> { ["s.js"] = "" }, Command = "node", Args = ["s.js"] }],
        };

        var config = JsonNode.Parse(ClaudeHome.McpConfig(profile, "/home/agent", new Dictionary<string, string> { ["K"] = "k1", ["H"] = "Bearer h1" }))!["mcpServers"]!;

        Assert.Equal("""{"type":"stdio","command":"npx","args":["srv"],"env":{"KEY":"k1"}}""", config["local"]!.ToJsonString());
        Assert.Equal("""{"type":"http","url":"https://mcp.example/x","headers":{"Authorization":"Bearer h1"}}""", config["remote"]!.ToJsonString());
        Assert.Equal("/bin/sh", config["mine"]!["command"]!.GetValue<string>());
        Assert.Equal(
            ["-c", "cd -- \"$1\" && shift && exec \"$@\"", "mcp-mine", "/home/agent/.agent-runtime/mcp/mine", "node", "s.js"],
            config["mine"]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public void Files_EmptyProfile_StillWritesAnEmptyMcpConfig()
    {
        var file = Assert.Single(ClaudeHome.Files(Profile, "/home/agent", NoSecrets));

        Assert.Equal(ClaudeHome.McpConfigFile, file.Path);
        Assert.Equal("""{"mcpServers":{}}""", JsonNode.Parse(file.Content)!.ToJsonString());
    }
}
