using AgentRuntime.Architectures.Claude.Cli;
using AgentRuntime.Architectures.Claude.Tests.Fixtures;
using AgentRuntime.Gateway;
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
             "--forward-subagent-text", "--session-id", RecordedOutput.ConversationSessionId, "--system-prompt-snapshot", "off", "--dangerously-skip-permissions", "--model", "claude-configured",
             "--mcp-config", "/sandbox/home/.agent-runtime/claude/mcp.json", "--strict-mcp-config"],
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
    public void Build_WithModelAccess_CarriesATokenAndTheProxyNeverTheKey()
    {
        var access = new RecordingModelAccess();
        var environment = ClaudeProcessSpec.Build(Options, Context(Profile, access), resume: false).Environment;

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["HOME"] = "/sandbox/home",
                ["ANTHROPIC_API_KEY"] = "token-1",
                ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:4780",
                ["DISABLE_TELEMETRY"] = "1",
                ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
                ["DISABLE_AUTOUPDATER"] = "1",
                ["IS_SANDBOX"] = "1",
                ["CLAUDE_CODE_DISABLE_BACKGROUND_TASKS"] = "1",
            }.OrderBy(p => p.Key),
            environment.OrderBy(p => p.Key));
        Assert.Equal(new ModelUpstream(ModelApiKind.Anthropic, new Uri("http://127.0.0.1:9"), "sk-1"), Assert.Single(access.Granted));
    }

    [Fact]
    public void Build_NoBaseUrlConfigured_SendsTheProxyToTheDefaultApi()
    {
        var access = new RecordingModelAccess();
        ClaudeProcessSpec.Build(new ClaudeCodeOptions { ApiKey = "k", CliPath = "c" }, Context(Profile, access), resume: false);

        Assert.Equal(new Uri("https://api.anthropic.com"), Assert.Single(access.Granted).BaseUrl);
    }

    [Fact]
    public void Build_WithoutModelAccess_GivesTheCliNoKey()
    {
        var environment = ClaudeProcessSpec.Build(Options, Context(Profile), resume: false).Environment;

        Assert.DoesNotContain("sk-1", environment.Values);
        Assert.Equal("no-model-access", environment["ANTHROPIC_API_KEY"]);
    }

    [Fact]
    public void Build_ProfileTools_NameTheBuiltInToolSetAsOneValue()
    {
        var arguments = ClaudeProcessSpec.Build(Options, Context(Profile with { Tools = ["Read", "Bash"] }), resume: false).Arguments.ToList();
        var none = ClaudeProcessSpec.Build(Options, Context(Profile with { Tools = [] }), resume: false).Arguments.ToList();

        Assert.Equal("Read,Bash", arguments[arguments.IndexOf("--tools") + 1]);
        Assert.Equal("", none[none.IndexOf("--tools") + 1]);
        Assert.DoesNotContain("--tools", ClaudeProcessSpec.Build(Options, Context(Profile), resume: false).Arguments);
    }

    [Fact]
    public void Build_ProfileVariables_AreAddedWithSecretsResolvedAndNeverReplaceTheRuntimes()
    {
        var profile = Profile with
        {
            EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue>
            {
                ["TEAM"] = "platform",
                ["TOKEN"] = new() { SecretRef = "DEPLOY" },
                ["DISABLE_TELEMETRY"] = "0",
                ["CLAUDE_CONFIG_DIR"] = "/elsewhere",
            },
        };

        var environment = ClaudeProcessSpec.Build(Options, Context(profile) with { Secrets = new Dictionary<string, string> { ["DEPLOY"] = "s3cret" } }, resume: false).Environment;

        Assert.Equal("platform", environment["TEAM"]);
        Assert.Equal("s3cret", environment["TOKEN"]);
        Assert.Equal("1", environment["DISABLE_TELEMETRY"]);
        Assert.False(environment.ContainsKey("CLAUDE_CONFIG_DIR"));
    }

    [Fact]
    public void Build_SecretTheRuntimeDoesNotHold_FailsNamingIt()
    {
        var profile = Profile with { EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue> { ["TOKEN"] = new() { SecretRef = "MISSING" } } };

        var error = Assert.Throws<AgentException>(() => ClaudeProcessSpec.Build(Options, Context(profile), resume: false));

        Assert.Equal("missing_secret", error.Code);
        Assert.Contains("environmentVariables.TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains("'MISSING'", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingModelAccess : IModelAccess
    {
        public List<ModelUpstream> Granted { get; } = [];

        public string GrantToken(ModelUpstream upstream)
        {
            Granted.Add(upstream);
            return $"token-{Granted.Count}";
        }
    }

    private static AgentConnectContext Context(AgentProfile profile, IModelAccess? access = null) => new()
    {
        Sandbox = new PathOnlySandbox(modelProxyUrl: access is null ? null : new Uri("http://127.0.0.1:4780")),
        Session = RecordedOutput.Session(),
        Profile = profile,
        Resume = false,
        ModelAccess = access,
    };
}
