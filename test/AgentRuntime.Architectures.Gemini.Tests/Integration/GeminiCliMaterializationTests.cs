using System.Text;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing.Gemini;

namespace AgentRuntime.Architectures.Gemini.Tests.Integration;

/// <summary>The whole profile applied to the real Gemini CLI in a real sandbox, checked in what the model is sent.</summary>
public sealed class GeminiCliMaterializationTests
{
    // A stdio MCP server in plain node: newline-delimited JSON-RPC, initialize, tools/list and tools/call of one tool
    // whose answer says where it ran and with which environment.
    private const string EchoServer = """
        const readline = require('node:readline');
        const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n');
        readline.createInterface({ input: process.stdin }).on('line', (line) => {
          const m = JSON.parse(line);
          if (m.id === undefined) return;
          switch (m.method) {
            case 'initialize':
              return send({ id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'echo', version: '1.0.0' } } });
            case 'tools/list':
              return send({ id: m.id, result: { tools: [{ name: 'shout', description: 'Shouts the text back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }] } });
            case 'tools/call':
              return send({ id: m.id, result: { content: [{ type: 'text', text: `${m.params.arguments.text.toUpperCase()} from ${process.cwd()} with ${process.env.ECHO_SUFFIX}` }] } });
            default:
              return send({ id: m.id, result: {} });
          }
        });
        """;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_FullProfile_ReachesTheModelAndItsToolsRunForReal()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(
            GeminiReply.FunctionCall("mcp_echo_shout", new { text = "ahoy" }),
            GeminiReply.Shell("echo \"$TEAM/$TEAM_TOKEN\" > env.txt"),
            GeminiReply.Text("Done."));
        var profile = GeminiSession.Profile with
        {
            AgentMdFile = "House rule: every answer ends with 'Arr'.",
            SystemPrompt = "Answer in one line.",
            Skills = [new ProfileSkill { Name = "sea-charts", Description = "Reads nautical charts: use for anything about the sea.", Body = "Open the chart." }],
            BundledMcps = [new ProfileBundledMcp { Name = "echo", Files = new Dictionary<string, string> { ["server.js"] = EchoServer }, Command = "node", Args = ["server.js"], Env = new Dictionary<string, ProfileEnvironmentValue> { ["ECHO_SUFFIX"] = new() { SecretRef = "suffix" } } }],
            Commands = [new ProfileCommand { Name = "hail", Prompt = "Hail $ARGUMENTS with the echo tool.", Description = "Hails someone" }],
            EnvironmentVariables = new Dictionary<string, ProfileEnvironmentValue> { ["TEAM"] = "blue", ["TEAM_TOKEN"] = new() { SecretRef = "token" } },
        };
        await using var connection = await gemini.ConnectAsync(profile: profile, secrets: new Dictionary<string, string> { ["suffix"] = "salt", ["token"] = "t-42" });

        await GeminiSession.RunTurnAsync(connection, "/hail the harbour master");

        var first = gemini.Server.ConversationRequests[0];
        Assert.Contains("House rule: every answer ends with 'Arr'.", first.SystemInstruction, StringComparison.Ordinal);
        Assert.Contains("Answer in one line.", first.SystemInstruction, StringComparison.Ordinal);
        Assert.Contains("Reads nautical charts: use for anything about the sea.", first.SystemInstruction, StringComparison.Ordinal);
        Assert.Contains("mcp_echo_shout", first.ToolNames);
        Assert.Equal("Hail the harbour master with the echo tool.", first.LastUserText);
        var shouted = gemini.Server.ConversationRequests[1].FunctionResponses.Single().ToJsonString();
        Assert.Contains($"AHOY from {gemini.Sandbox.HomePath}/.agent-runtime/mcp/echo with salt", shouted, StringComparison.Ordinal);
        var env = await gemini.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "env.txt", Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        Assert.Equal("blue/t-42\n", Encoding.UTF8.GetString(env!));
    }

    [Fact]
    public async Task ConnectAsync_ProfileTools_AreTheOnlyBuiltInToolsOffered()
    {
        await using var gemini = await GeminiSession.StartAsync();
        gemini.Server.Enqueue(GeminiReply.Text("ok"));
        await using var connection = await gemini.ConnectAsync(profile: GeminiSession.Profile with { Tools = ["read_file", "write_file"] });

        await GeminiSession.RunTurnAsync(connection, "hello");

        var tools = gemini.Server.ConversationRequests.Single().ToolNames;
        Assert.Contains("read_file", tools);
        Assert.Contains("write_file", tools);
        Assert.DoesNotContain("run_shell_command", tools);
    }

    [Fact]
    public async Task ConnectAsync_LinkPlantedAtDotGemini_FailsWithoutWritingThroughIt()
    {
        await using var gemini = await GeminiSession.StartAsync();
        var outside = Directory.CreateTempSubdirectory("gemini-outside-");
        try
        {
            await using (var link = await gemini.Sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "ln", Arguments = ["-s", outside.FullName, $"{gemini.Sandbox.HomePath}/.gemini"] }, Token))
            {
                Assert.Equal(0, await link.Exited.WaitAsync(TimeSpan.FromSeconds(10), Token));
            }

            var failure = await Assert.ThrowsAsync<AgentException>(() => gemini.ConnectAsync(profile: GeminiSession.Profile with { AgentMdFile = "planted?" }));

            Assert.Equal("sandbox_home_tampered", failure.Code);
            Assert.Empty(outside.EnumerateFileSystemInfos("*", SearchOption.AllDirectories));
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void UnsupportedProfileFields_GeminiCli_NamesSubagentsAndPackages()
    {
        var architecture = new GeminiCliArchitecture(Microsoft.Extensions.Options.Options.Create(new GeminiCliOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeminiCliArchitecture>.Instance);

        Assert.Equal(["subagents"], ((IAgentArchitecture)architecture).UnsupportedProfileFields);
    }
}
