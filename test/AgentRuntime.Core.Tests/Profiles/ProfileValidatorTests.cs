using System.Text;
using AgentRuntime.Profiles;

namespace AgentRuntime.Core.Tests.Profiles;

public sealed class ProfileValidatorTests
{
    private const string Full = """
        {
          "id": "reviewer",
          "name": "Reviewer",
          "agentMDFile": "# House rules\nBe brief.",
          "tools": ["Read", "Bash"],
          "skills": [{ "name": "lint", "description": "Lint the code", "body": "Run scripts/lint.sh", "files": { "scripts/lint.sh": "echo ok" }, "npmDependencies": ["eslint@9.1.0"], "pipDependencies": ["ruff==0.6.0"] }],
          "subagents": [{ "name": "tester", "description": "Writes tests", "prompt": "You write tests.", "model": "m", "tools": ["Read"] }],
          "commands": [{ "name": "review", "prompt": "Review $ARGUMENTS" }],
          "externalMCPs": [{ "name": "docs", "type": "http", "url": "https://docs.example/mcp", "headers": { "Authorization": { "secretRef": "DOCS_TOKEN" } } }],
          "bundledMCPs": [{ "name": "notes", "files": { "server.js": "//" }, "installCommand": "npm install", "command": "node", "args": ["server.js"] }],
          "npmDependencies": ["@scope/tool@^1.2.3"],
          "pipDependencies": ["requests[socks]>=2.0,<3"],
          "environmentVariables": { "TEAM": "blue", "GITHUB_TOKEN": { "secretRef": "GITHUB_TOKEN" } },
          "permissions": { "mode": "rules", "allow": ["Bash(git *)"], "deny": ["Bash(rm *)"] }
        }
        """;

    [Fact]
    public void Parse_AFullProfile_KeepsEveryField()
    {
        var profile = ProfileValidator.Parse(Encoding.UTF8.GetBytes(Full));

        Assert.Equal("# House rules\nBe brief.", profile.AgentMdFile);
        Assert.Equal(["scripts/lint.sh"], profile.Skills!.Single().Files!.Keys);
        Assert.Equal("tester", profile.Subagents!.Single().Name);
        Assert.Equal("review", profile.Commands!.Single().Name);
        Assert.Equal("DOCS_TOKEN", profile.ExternalMcps!.Single().Headers!["Authorization"].SecretRef);
        Assert.Equal("node", profile.BundledMcps!.Single().Command);
        Assert.Equal(("blue", "GITHUB_TOKEN"), (profile.EnvironmentVariables!["TEAM"].Value, profile.EnvironmentVariables["GITHUB_TOKEN"].SecretRef));
    }

    [Theory]
    [InlineData("""{"id":"p","name":"P","defaultWorkspaceFiles":{}}""", "defaultWorkspaceFiles: is not a profile field.")]
    [InlineData("""{"id":"p","name":"P","skills":[{"name":"s","description":"d","body":"b","extra":1}]}""", "skills[0].extra: is not a profile field.")]
    [InlineData("""{"id":"p","name":"P","skills":[{"name":"Bad Name","description":"d","body":"b"}]}""", "skills[0].name:")]
    [InlineData("""{"id":"p","name":"P","skills":[{"name":"s","description":"d","body":"b","files":{"../escape.sh":"x"}}]}""", "skills[0].files[\"../escape.sh\"]:")]
    [InlineData("""{"id":"p","name":"P","skills":[{"name":"s","description":"d","body":"b"},{"name":"s","description":"d","body":"b"}]}""", "skills: the name 's' is used more than once.")]
    [InlineData("""{"id":"p","name":"P","npmDependencies":["--registry=http://evil"]}""", "npmDependencies: '--registry=http://evil' is not a package")]
    [InlineData("""{"id":"p","name":"P","pipDependencies":["https://evil/pkg.whl"]}""", "pipDependencies:")]
    [InlineData("""{"id":"p","name":"P","environmentVariables":{"ANTHROPIC_API_KEY":"x"}}""", "environmentVariables.ANTHROPIC_API_KEY: the runtime sets this variable itself.")]
    [InlineData("""{"id":"p","name":"P","environmentVariables":{"1BAD":"x"}}""", "environmentVariables.1BAD: a variable name")]
    [InlineData("""{"id":"p","name":"P","environmentVariables":{"A":{"secretRef":"X","other":1}}}""", "environmentVariables.A: is not valid")]
    [InlineData("""{"id":"p","name":"P","externalMCPs":[{"name":"m","type":"http","url":"file:///etc/passwd"}]}""", "externalMCPs[0].url: an absolute http or https URL.")]
    [InlineData("""{"id":"p","name":"P","externalMCPs":[{"name":"m","type":"ws"}]}""", "externalMCPs[0].type:")]
    [InlineData("""{"id":"p","name":"P","bundledMCPs":[{"name":"m","files":{},"command":"node"}]}""", "bundledMCPs[0].files: a bundled server needs")]
    [InlineData("""{"id":"p","name":"P","subagents":[{"name":"a","description":"line\nbreak","prompt":"p"}]}""", "subagents[0].description: one line")]
    [InlineData("""{"id":"../p","name":"P"}""", "id:")]
    [InlineData("""{"id":"p","name":"P","permissions":{"mode":"rules","allow":["Bash("]}}""", "permissions.allow: 'Bash(' is not a rule")]
    [InlineData("""{"id":"p"}""", "misses a required field")]
    [InlineData("""{"id":"p","name":"P","sandbox":{"provider":"Mo dal"}}""", "sandbox.provider: a provider name")]
    [InlineData("""{"id":"p","name":"P","sandbox":{"provider":"modal","cpu":4}}""", "sandbox.cpu: is not a profile field.")]
    [InlineData("""{"id":"p","name":"P","sandbox":{}}""", "misses a required field")]
    [InlineData("""[1]""", "(profile): is not valid")]
    public void Parse_ABadProfile_NamesTheField(string json, string error)
    {
        var invalid = Assert.Throws<ProfileValidationException>(() => ProfileValidator.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(invalid.Errors, e => e.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ASandboxProvider_IsKept()
    {
        var profile = ProfileValidator.Parse("""{"id":"p","name":"P","sandbox":{"provider":"modal"}}"""u8);

        Assert.Equal("modal", profile.Sandbox?.Provider);
    }

    [Fact]
    public void Parse_AHugeSkillBody_IsRefusedBySize()
    {
        var json = $$"""{"id":"p","name":"P","skills":[{"name":"s","description":"d","body":"{{new string('x', 300_000)}}"}]}""";

        var invalid = Assert.Throws<ProfileValidationException>(() => ProfileValidator.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("skills[0].body: at most 262144 bytes.", invalid.Errors);
    }
}
