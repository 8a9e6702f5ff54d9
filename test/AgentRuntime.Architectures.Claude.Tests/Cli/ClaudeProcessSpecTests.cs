using AgentRuntime.Architectures.Claude.Cli;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Claude.Tests.Cli;

public sealed class ClaudeProcessSpecTests
{
    private static readonly ClaudeCodeOptions Options = new() { ApiKey = "sk-1", BaseUrl = "http://127.0.0.1:9", CliPath = "/opt/claude", Model = "claude-configured" };
    private static readonly AgentProfile Profile = new() { Id = "default", Name = "Default" };

    [Fact]
    public void Build_NewSession_StartsTheCliLikeTheAgentSdkInTheWorkspace()
    {
        var spec = ClaudeProcessSpec.Build(Options, Context(Profile), resume: false);

        Assert.Equal("/opt/claude", spec.Command);
        Assert.Equal("/sandbox/workspace", spec.WorkingDirectory);
        Assert.Equal(
            ["-p", "--output-format", "stream-json", "--input-format", "stream-json", "--verbose", "--include-partial-messages",
             "--forward-subagent-text", "--session-id", RecordedOutput.ConversationSessionId, "--dangerously-skip-permissions", "--model", "claude-configured"],
            spec.Arguments);
    }

    [Fact]
    public void Build_Resume_ResumesTheSessionById()
    {
        var arguments = ClaudeProcessSpec.Build(Options, Context(Profile), resume: true).Arguments;

        Assert.Equal(RecordedOutput.ConversationSessionId, arguments[arguments.ToList().IndexOf("--resume") + 1]);
        Assert.DoesNotContain("--session-id", arguments);
    }

    [Fact]
    public void Build_ProfileSettings_OverrideTheModelAppendThePromptAndRestrictTheTools()
    {
        var profile = Profile with { Model = "claude-profile", SystemPrompt = "Be brief.", AllowedTools = ["Read", "Write"] };

        var arguments = ClaudeProcessSpec.Build(Options, Context(profile), resume: false).Arguments.ToList();

        Assert.Equal("claude-profile", arguments[arguments.IndexOf("--model") + 1]);
        Assert.Equal("Be brief.", arguments[arguments.IndexOf("--append-system-prompt") + 1]);
        Assert.Equal("Read,Write", arguments[arguments.IndexOf("--allowedTools") + 1]);
        Assert.Equal("dontAsk", arguments[arguments.IndexOf("--permission-mode") + 1]);
        Assert.DoesNotContain("--dangerously-skip-permissions", arguments);
    }

    [Fact]
    public void Build_Environment_CarriesTheKeyBaseUrlHomeAndOfflineSwitchesOnly()
    {
        var environment = ClaudeProcessSpec.Build(Options, Context(Profile), resume: false).Environment;

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["HOME"] = "/sandbox/home",
                ["ANTHROPIC_API_KEY"] = "sk-1",
                ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9",
                ["DISABLE_TELEMETRY"] = "1",
                ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
                ["DISABLE_AUTOUPDATER"] = "1",
                ["IS_SANDBOX"] = "1",
                ["CLAUDE_CODE_DISABLE_BACKGROUND_TASKS"] = "1",
            }.OrderBy(p => p.Key),
            environment.OrderBy(p => p.Key));
    }

    [Fact]
    public void Build_NoBaseUrlConfigured_LeavesTheCliDefault()
    {
        var environment = ClaudeProcessSpec.Build(new ClaudeCodeOptions { ApiKey = "k", CliPath = "c" }, Context(Profile), resume: false).Environment;

        Assert.False(environment.ContainsKey("ANTHROPIC_BASE_URL"));
    }

    private static AgentConnectContext Context(AgentProfile profile) => new()
    {
        Sandbox = new PathOnlySandbox(),
        Session = RecordedOutput.Session(),
        Profile = profile,
        Resume = false,
    };
}
