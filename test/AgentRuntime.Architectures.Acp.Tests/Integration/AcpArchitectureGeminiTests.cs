using AgentRuntime.Gateway;
using System.Text;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;
using AgentRuntime.Testing.Gemini;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Tests.Integration;

/// <summary>
/// The generic <c>acp</c> architecture with a real ACP agent, configured only by command, arguments and environment:
/// the Gemini CLI pinned in agents/, in a real local sandbox, against a scripted Gemini API.
/// </summary>
public sealed class AcpArchitectureGeminiTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    // The file exists beforehand: Gemini CLI 0.61.0 cannot create a file through the client's file system, as it does
    // not recognise the client's "not found" answer to the read it makes first (it expects an Error, the ACP SDK gives
    // it the JSON-RPC error object), so the gemini-cli architecture does not serve fs/*.
    public async Task RunTurn_RealGeminiCliAsAGenericAgent_EditsThroughTheClientFileSystemAndStreamsTheTurn()
    {
        await using var server = await ScriptedGeminiServer.StartAsync(Token).WaitAsync(Bound, Token);
        var root = Path.Combine(Path.GetTempPath(), "acp-tests", Guid.NewGuid().ToString("N")[..8]);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        new TestRuntimeBuilder(services)
            .AddSandboxGateway()
            .AddLocalSandbox(o => o.RootDirectory = root)
            .AddAcpAgent(o =>
            {
                o.Command = "node";
                o.Args = [GeminiScript(), "--acp", "--model", "gemini-2.5-flash"];
                // The key stays in the runtime: the agent gets a token for the model proxy in these variables.
                o.Model = new AcpModelOptions
                {
                    Api = ModelApiKind.Gemini,
                    BaseUrl = server.BaseUrl,
                    ApiKey = "generic-key",
                    KeyVariable = "GEMINI_API_KEY",
                    BaseUrlVariable = "GOOGLE_GEMINI_BASE_URL",
                };
                o.Env = new()
                {
                    ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
                    ["GEMINI_CLI_NO_RELAUNCH"] = "true",
                    ["NODE_OPTIONS"] = "--disable-wasm-trap-handler",
                };
            });
        await using var provider = services.BuildServiceProvider();
        var session = new SessionRecord { SessionId = Guid.NewGuid().ToString(), Architecture = "acp", AgentProfileRef = "default", CreatedAt = default, LastActivity = default };
        using var lease = provider.GetRequiredService<ISandboxGateway>().Open(new SandboxGatewayRequest { SessionId = session.SessionId, Network = SandboxNetworkPolicy.ModelOnly });
        await using var sandbox = await provider.GetRequiredService<ISandboxProvider>().CreateAsync(new SandboxRequest { SessionId = session.SessionId, Bridge = lease }, Token).WaitAsync(Bound, Token);
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "notes.md", "# Notes\n"u8.ToArray(), Token).WaitAsync(Bound, Token);
        await sandbox.WriteFileAsync(SandboxRoot.Home, ".gemini/settings.json", """{"security":{"auth":{"selectedType":"gemini-api-key"}}}"""u8.ToArray(), Token).WaitAsync(Bound, Token);
        server.Enqueue(
            GeminiReply.FunctionCall("write_file", new { file_path = $"{sandbox.WorkspacePath}/notes.md", content = "# Notes\nKIWI\n" }).WithText("Writing."),
            GeminiReply.Text("Saved.").WithUsage(40, 2));
        var architecture = provider.GetServices<IAgentArchitecture>().Single();

        await using var connection = await architecture.ConnectAsync(
            new AgentConnectContext { Sandbox = sandbox, Session = session, Profile = new AgentProfile { Id = "default", Name = "Default" }, Resume = false, ModelAccess = lease }, Token).WaitAsync(Bound, Token);
        var events = new List<SessionEvent>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(Bound);
        await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Take a note"), deadline.Token).SelectMany(batch => batch))
        {
            events.Add(e);
        }

        var projection = new ConversationProjection();
        events.ForEach(e => projection.Apply(e));
        Assert.Equal("# Notes\nKIWI\n", Encoding.UTF8.GetString((await sandbox.ReadFileAsync(SandboxRoot.Workspace, "notes.md", Token).WaitAsync(Bound, Token))!));
        Assert.Contains(logs.Messages, m => m.Contains("\"method\":\"fs/read_text_file\"", StringComparison.Ordinal) && m.Contains("/workspace/notes.md", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("\"method\":\"fs/write_text_file\"", StringComparison.Ordinal) && m.Contains("KIWI", StringComparison.Ordinal));
        var tool = Assert.Single(projection.Blocks.OfType<ToolUseBlock>());
        Assert.Equal(("edit", ToolStatus.Success), (tool.ToolName, tool.Status));
        Assert.Contains("notes.md", Assert.IsType<ToolResultBlock>(projection.GetBlock($"{tool.Id}:result")).Output, StringComparison.Ordinal);
        Assert.Equal("Saved.", Assert.IsType<AssistantTextBlock>(projection.Blocks[^1]).Content);
        Assert.All(server.Requests, r => Assert.Equal("generic-key", r.Headers["x-goog-api-key"])); // swapped in by the proxy
        Assert.Equal(10 + 40, events.OfType<MetadataUpdateEvent>().Last().Metadata.Usage.InputTokens);
        var state = await sandbox.ReadFileAsync(SandboxRoot.Home, ".agent-runtime/acp/session.json", Token).WaitAsync(Bound, Token);
        Assert.Contains("acpSessionId", Encoding.UTF8.GetString(state!), StringComparison.Ordinal);
        await sandbox.TerminateAsync(Token).WaitAsync(Bound, Token); // its directory is a mount until then
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The sandbox took its directory with it.
        }
    }

    private static string GeminiScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var link = new FileInfo(Path.Combine(directory.FullName, "agents", "node_modules", ".bin", "gemini"));
            if (link.Exists)
            {
                return link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link.FullName;
            }
        }

        throw new InvalidOperationException("The pinned Gemini CLI (agents/node_modules/.bin/gemini) is not installed; run scripts/setup.sh.");
    }
}
