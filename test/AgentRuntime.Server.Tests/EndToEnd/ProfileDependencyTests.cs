using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Mcp;
using AgentRuntime.Testing.Packages;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// A profile's npm and pip packages and its bundled MCP server's install command, installed by the real npm and pip from
/// a local package mirror reached through the sandbox's egress proxy, once for every session of the profile, into a layer
/// the agent (the real Claude Code CLI) can use and cannot change.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProfileDependencyTests : ServerTest
{
    private const string Greeter = "ar-greeter";
    private const string Calculator = "ar-calculator";

    private PackageMirror _mirror = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Dependencies:NpmRegistry"] = _mirror.NpmRegistry,
        ["AgentRuntime:Dependencies:PipIndexUrl"] = _mirror.PipIndexUrl,
        ["AgentRuntime:Dependencies:InstallTimeout"] = "00:03:00",
    };

    public override async ValueTask InitializeAsync()
    {
        _mirror = await PackageMirror.StartAsync(Token);
        _mirror.AddNpmPackage(Greeter, "1.0.0", new Dictionary<string, string> { ["index.js"] = "exports.greet = () => 'hello from npm';\n" });
        _mirror.AddPipPackage(Calculator, "1.0.0", new Dictionary<string, string> { ["ar_calculator/__init__.py"] = "def add(a, b):\n    return a + b\n" });
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    [Fact]
    public async Task Dependencies_InstalledOnceFromTheMirror_UsableByEverySessionOfTheProfile_ReadOnly()
    {
        await SaveProfileAsync(Profile("deps", [_mirror.AllowEntry]));
        const string Use = "node -e \"console.log(require('ar-greeter').greet())\" && python3 -c \"import ar_calculator; print('sum', ar_calculator.add(2, 3))\"";

        var first = await Server.CreateSessionAsync(profile: "deps");
        var started = Stopwatch.GetTimestamp();
        var (result, events) = await RunBashAsync(first.SessionId, Use);
        var firstTurn = Stopwatch.GetElapsedTime(started);
        Assert.Contains("hello from npm", result.Output, StringComparison.Ordinal);
        Assert.Contains("sum 5", result.Output, StringComparison.Ordinal);
        var installed = Assert.Single(Blocks<SystemBlock>(events), b => b.Subtype == "dependencies_installed");
        Assert.Contains($"npm: {Greeter}@1.0.0", installed.Message, StringComparison.Ordinal);

        var second = await Server.CreateSessionAsync(profile: "deps");
        started = Stopwatch.GetTimestamp();
        (result, events) = await RunBashAsync(second.SessionId, Use);
        var secondTurn = Stopwatch.GetElapsedTime(started);
        Assert.Contains("hello from npm", result.Output, StringComparison.Ordinal);
        Assert.Contains("sum 5", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Blocks<SystemBlock>(events), b => b.Subtype == "dependencies_installed");

        // Installed once: every archive fetched by the first session's installation only.
        Assert.Equal(1, _mirror.Downloads[$"{Greeter}-1.0.0.tgz"]);
        Assert.Equal(1, _mirror.Downloads["ar_calculator-1.0.0-py3-none-any.whl"]);
        TestContext.Current.TestOutputHelper?.WriteLine($"first turn (installing): {firstTurn.TotalSeconds:0.0} s; second turn (cached layer): {secondTurn.TotalSeconds:0.0} s");

        // The agent can use the layer but not change it, not even the files of its own packages.
        (result, _) = await RunBashAsync(second.SessionId, "echo tampered > \"$NODE_PATH/ar-greeter/index.js\"; touch \"$PYTHONPATH/new-file\"; echo exit=$?");
        Assert.Contains("Read-only file system", result.Output, StringComparison.Ordinal);
        Assert.Contains("exit=1", result.Output, StringComparison.Ordinal);
        (result, _) = await RunBashAsync(second.SessionId, Use);
        Assert.Contains("hello from npm", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dependencies_TwoSessionsStartingAtOnce_ShareOneInstallation()
    {
        await SaveProfileAsync(Profile("race", [_mirror.AllowEntry]));
        var sessions = await Task.WhenAll(Server.CreateSessionAsync(profile: "race"), Server.CreateSessionAsync(profile: "race"));
        var subscriptions = await Task.WhenAll(sessions.Select(s => SubscribeHubAsync(s.SessionId)));
        Model.Enqueue(Reply.Text("One."), Reply.Text("Two."));

        var turns = await Task.WhenAll(sessions.Select(s => Server.SendMessageAsync(s.SessionId, "Hello")));
        await Task.WhenAll(subscriptions.Zip(turns).Select(p => p.First.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == p.Second, TimeSpan.FromSeconds(180))));

        Assert.Equal(1, _mirror.Downloads[$"{Greeter}-1.0.0.tgz"]);
        Assert.Equal(1, _mirror.Downloads["ar_calculator-1.0.0-py3-none-any.whl"]);
        Assert.Single(Directory.GetDirectories(Path.Combine(DataDirectory, "layers")));
    }

    [Fact]
    public async Task BundledMcpServer_InstalledInTheLayer_RunsFromThereAsTheAgentsTool()
    {
        await SaveProfileAsync(Profile("mcp", [_mirror.AllowEntry], npm: false, pip: false, server: true));
        var session = await Server.CreateSessionAsync(profile: "mcp");
        var events = await SubscribeHubAsync(session.SessionId);

        Model.Enqueue(Reply.ToolUse("mcp__notes__record", new { text = "remember me" }, id: "toolu_mcp"), Reply.Text("Done."));
        var turnId = await Server.SendMessageAsync(session.SessionId, "Record a note");
        await events.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(120));

        var answer = Assert.Single(Model.ConversationRequests[^1].LastToolResults).ToJsonString();
        // The server ran in its installed folder: the install command's file is beside it, in the runtime's layers.
        Assert.Contains("installed=from-install", answer, StringComparison.Ordinal);
        Assert.Contains($"recorded in {Path.Combine(DataDirectory, "layers")}", answer, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ServerFolder(), "node_modules", Greeter, "package.json")));
    }

    [Fact]
    public async Task Install_RegistryNotOnTheProfilesAllowlist_FailsTheStartWithTheRefusal()
    {
        await SaveProfileAsync(Profile("closed", ["registry.invalid"]));
        var session = await Server.CreateSessionAsync(profile: "closed");
        var events = await SubscribeHubAsync(session.SessionId);

        var turnId = await Server.SendMessageAsync(session.SessionId, "Hello");
        var failed = await events.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(180));

        var error = Assert.Single(Blocks<ErrorBlock>(events));
        Assert.Equal("dependency_install_failed", error.Code);
        Assert.Contains($"refused {_mirror.AllowEntry}", error.Message, StringComparison.Ordinal);
        Assert.Contains("npm install exited with code", failed.Error, StringComparison.Ordinal);
        Assert.Empty(_mirror.Downloads);
        Assert.Empty(Model.ConversationRequests);
        // Nothing half-built stays: the next session tries again.
        Assert.Empty(Directory.GetDirectories(Path.Combine(DataDirectory, "layers")));
    }

    [Fact]
    public async Task Install_MissingPackage_FailsWithTheInstallersOutput_AndTheSessionRecovers()
    {
        var profile = Profile("missing", [_mirror.AllowEntry], pip: false);
        profile["npmDependencies"] = new JsonArray("ar-no-such-package@1.0.0");
        await SaveProfileAsync(profile);
        var session = await Server.CreateSessionAsync(profile: "missing");
        var events = await SubscribeHubAsync(session.SessionId);

        var turnId = await Server.SendMessageAsync(session.SessionId, "Hello");
        await events.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turnId, TimeSpan.FromSeconds(180));

        var error = Assert.Single(Blocks<ErrorBlock>(events));
        Assert.Contains("npm install exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Contains("ar-no-such-package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_HostileInstallCommand_LinksOutOfTheLayer_SealingLeavesTheirTargetsAlone()
    {
        // Host files the installer names by path; the sandbox cannot see them, but the runtime seals what it left.
        var victims = Directory.CreateTempSubdirectory("agent-runtime-victims-").FullName;
        try
        {
            var victimFile = Path.Combine(victims, "victim.txt");
            await File.WriteAllTextAsync(victimFile, "untouched", Token);
            File.SetUnixFileMode(victimFile, (UnixFileMode)0b110_110_110);
            var profile = Profile("hostile", [_mirror.AllowEntry], npm: false, pip: false, server: true);
            profile["bundledMCPs"]![0]!["installCommand"] =
                $"ln -s '{victimFile}' file-link && ln -s '{victims}' dir-link && ln -s / root-link && mkdir -p deep/er && chmod 4777 deep && echo from-install > installed.txt";
            await SaveProfileAsync(profile);
            var session = await Server.CreateSessionAsync(profile: "hostile");

            var (result, _) = await RunBashAsync(session.SessionId, "echo ran");
            Assert.Contains("ran", result.Output, StringComparison.Ordinal);

            Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(victimFile));
            Assert.Equal("untouched", await File.ReadAllTextAsync(victimFile, Token));
            Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(victims) & (UnixFileMode)0b111_111_111);
            var folder = ServerFolder();
            // Sealed: the runtime's, read-only, no set-id bit anywhere; the links are still links.
            Assert.Equal((UnixFileMode)0b101_101_101, File.GetUnixFileMode(Path.Combine(folder, "deep")));
            Assert.Equal((UnixFileMode)0, new DirectoryInfo(folder).UnixFileMode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            Assert.NotNull(new FileInfo(Path.Combine(folder, "file-link")).LinkTarget);
        }
        finally
        {
            Directory.Delete(victims, recursive: true);
        }
    }

    // The bundled server's folder in the one layer installed (found without following the links an installer left).
    private string ServerFolder() => Path.Combine(Directory.GetDirectories(Path.Combine(DataDirectory, "layers")).Single(), "mcp", "notes");

    private JsonObject Profile(string id, string[] allow, bool npm = true, bool pip = true, bool server = false)
    {
        var profile = new JsonObject
        {
            ["id"] = id,
            ["name"] = id,
            ["network"] = new JsonObject { ["allow"] = new JsonArray([.. allow.Select(a => JsonValue.Create(a))]) },
        };
        if (npm)
        {
            profile["npmDependencies"] = new JsonArray($"{Greeter}@1.0.0");
        }

        if (pip)
        {
            // A skill's package: installed into the same layer as the profile's own.
            profile["skills"] = new JsonArray(new JsonObject
            {
                ["name"] = "calculate",
                ["description"] = "Adds numbers.",
                ["body"] = "Use the ar_calculator module.",
                ["pipDependencies"] = new JsonArray($"{Calculator}==1.0.0"),
            });
        }

        if (server)
        {
            profile["bundledMCPs"] = new JsonArray(new JsonObject
            {
                ["name"] = "notes",
                ["files"] = new JsonObject { [StdioMcpTestServer.FileName] = StdioMcpTestServer.Script },
                ["installCommand"] = $"echo from-install > installed.txt && npm install {Greeter}@1.0.0",
                ["command"] = "node",
                ["args"] = new JsonArray(StdioMcpTestServer.FileName),
                ["env"] = new JsonObject { ["MCP_RECORD_DIR"] = "/tmp" },
            });
        }

        return profile;
    }

    private async Task SaveProfileAsync(JsonObject profile)
    {
        using var content = new StringContent(profile.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Server.Http.PostAsync("/api/profiles", content, Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
    }

    private static IEnumerable<T> Blocks<T>(EventCollector events) where T : ConversationBlock =>
        events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<T>();
}
