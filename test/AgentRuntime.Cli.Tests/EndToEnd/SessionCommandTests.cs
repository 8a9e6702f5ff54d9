using System.Text.Json;
using AgentRuntime.Api;
using AgentRuntime.Cli.Tests.Support;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using AgentRuntime.Testing;
using Spectre.Console.Testing;

namespace AgentRuntime.Cli.Tests.EndToEnd;

public sealed class SessionCommandTests(ServerFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task CreateSendShowListDelete_WithAToolCall_ShowsTheTextAndTheToolWithACheck()
    {
        var created = await RunAsync("sessions", "create", "--name", "cli tour");
        var sessionId = Assert.Single(await Client.ListSessionsAsync(Ct), s => s.Name == "cli tour").SessionId;
        Model.Enqueue(
            Reply.ToolUse("Bash", new { command = "echo made-by-agent > hello.txt" }).WithText("Creating the file."),
            Reply.Text("hello.txt is there.").WithUsage(1500, 40));

        var send = await RunAsync("send", sessionId, "Create hello.txt");
        var show = await RunAsync("sessions", "show", sessionId);
        var list = await RunAsync("sessions", "list");
        var delete = await RunAsync("sessions", "delete", sessionId);
        var gone = await RunAsync("sessions", "show", sessionId);

        Assert.Equal(0, await created.ExitCodeAsync());
        Assert.Contains($"Created session {sessionId}", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, await send.ExitCodeAsync());
        var lines = send.Output.Split('\n');
        Assert.Equal("› Create hello.txt", lines[0]);
        Assert.Contains("Creating the file.", lines);
        var tool = Array.IndexOf(lines, "✓ Bash  echo made-by-agent > hello.txt");
        Assert.True(tool > Array.IndexOf(lines, "⋯ Bash  echo made-by-agent > hello.txt"), send.ToString());
        Assert.Contains("+ hello.txt created (14 B)", lines);
        Assert.Contains("hello.txt is there.", lines);
        Assert.StartsWith("─ 1,5", lines[^2], StringComparison.Ordinal);
        Assert.Equal(0, await show.ExitCodeAsync());
        Assert.Contains("architecture  claude-agent-sdk", show.Output, StringComparison.Ordinal);
        Assert.Contains("✓ Bash  echo made-by-agent > hello.txt", show.Output, StringComparison.Ordinal);
        Assert.Contains(sessionId, list.Output, StringComparison.Ordinal);
        Assert.Contains("cli tour", list.Output, StringComparison.Ordinal);
        Assert.Equal(0, await delete.ExitCodeAsync());
        Assert.Equal(1, await gone.ExitCodeAsync());
        Assert.Contains($"Session '{sessionId}' was not found.", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendJson_PrintsEachEventOnceAsAJsonLine_WithContiguousSeqs()
    {
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.Text("First."), Reply.Text("Second, streamed in pieces.").WithPieces(5));
        Assert.Equal(0, await (await RunAsync("send", sessionId, "One")).ExitCodeAsync());
        var before = (await Client.GetSessionAsync(sessionId, Ct)).LastSeq;

        var send = await RunAsync("--json", "send", sessionId, "Two");

        Assert.Equal(0, await send.ExitCodeAsync());
        var events = send.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize(line, AgentRuntimeJsonContext.Default.SessionEvent)!)
            .ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => before + i), events.Select(e => e.Seq));
        Assert.IsType<TurnStartedEvent>(events[0]);
        var completed = Assert.IsType<TurnCompletedEvent>(events[^1]);
        Assert.Equal(((TurnStartedEvent)events[0]).TurnId, completed.TurnId);
        Assert.Equal("Second, streamed in pieces.", string.Concat(events.OfType<BlockDeltaEvent>().Select(d => d.Delta)));
        var logged = await Client.GetEventsAsync(sessionId, before, Ct);
        Assert.Equal(logged.Select(e => JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent)), send.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task SendNoWait_PrintsTheTurnId_AndASecondSendWhileItRunsIsRefused()
    {
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.Text("A slow answer in many pieces.").WithPieces(20).WithChunkDelay(TimeSpan.FromMilliseconds(100)));

        var send = await RunAsync("--json", "send", sessionId, "Go", "--no-wait");
        var second = await RunAsync("send", sessionId, "Too soon");

        Assert.Equal(0, await send.ExitCodeAsync());
        var accepted = JsonSerializer.Deserialize(send.Output, AgentRuntimeJsonContext.Default.TurnAccepted)!;
        Assert.Equal(1, await second.ExitCodeAsync());
        Assert.Contains($"agent-runtime interrupt {sessionId}", second.Error, StringComparison.Ordinal);
        var attach = CliRun.Start([.. Connection(), "attach", sessionId]);
        await attach.WaitForOutputAsync("A slow answer in many pieces.\n─ ");
        attach.PressCtrlC();
        Assert.Equal(ExitCodes.Interrupted, await attach.ExitCodeAsync());
        var events = await Client.GetEventsAsync(sessionId, 0, Ct);
        Assert.Contains(events.OfType<TurnCompletedEvent>(), e => e.TurnId == accepted.TurnId);
    }

    [Fact]
    public async Task Send_TurnFails_ShowsTheErrorAndExitsWithOne()
    {
        // The test server has no Gemini key, so a Gemini session's turn fails at its start.
        var sessionId = await NewSessionAsync("gemini-cli");

        var send = await RunAsync("send", sessionId, "Hello?");

        Assert.Equal(1, await send.ExitCodeAsync());
        Assert.Contains("✗ No Gemini API key is configured.", send.Output, StringComparison.Ordinal);
        Assert.Contains("✗ turn failed", send.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_PutListGet_RoundTripsBytes_AndRefusesBadPaths()
    {
        var sessionId = await NewSessionAsync();
        var folder = Directory.CreateTempSubdirectory("agent-runtime-cli-files-");
        try
        {
            var local = Path.Combine(folder.FullName, "data.bin");
            var bytes = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
            await File.WriteAllBytesAsync(local, bytes, Ct);
            var copy = Path.Combine(folder.FullName, "copy.bin");

            var put = await RunAsync("files", "put", sessionId, local, "in/data.bin");
            var list = await RunAsync("--json", "files", "list", sessionId);
            var get = await RunAsync("files", "get", sessionId, "in/data.bin", "-o", copy);
            var text = await RunAsync("files", "put", sessionId, local);
            var missing = await RunAsync("files", "get", sessionId, "nope.txt");
            var escape = await RunAsync("files", "put", sessionId, local, "../escape.bin");
            var absolute = await RunAsync("files", "put", sessionId, local, "/etc/escape.bin");
            var noLocal = await RunAsync("files", "put", sessionId, Path.Combine(folder.FullName, "absent"));

            Assert.Equal(0, await put.ExitCodeAsync());
            Assert.Contains("Created in/data.bin (3,000 bytes).", put.Output, StringComparison.Ordinal);
            var files = JsonSerializer.Deserialize(list.Output, AgentRuntimeJsonContext.Default.IReadOnlyListWorkspaceFileInfo)!;
            Assert.Contains(files, f => f.Path == "in/data.bin" && f.Size == 3000);
            Assert.Equal(0, await get.ExitCodeAsync());
            Assert.Equal(bytes, await File.ReadAllBytesAsync(copy, Ct));
            Assert.Equal(0, await text.ExitCodeAsync());
            Assert.Contains("data.bin", text.Output, StringComparison.Ordinal);
            Assert.Equal(1, await missing.ExitCodeAsync());
            Assert.Contains("The workspace has no file 'nope.txt'.", missing.Error, StringComparison.Ordinal);
            Assert.Equal(1, await escape.ExitCodeAsync());
            Assert.Contains("'..'", escape.Error, StringComparison.Ordinal);
            Assert.Equal(1, await absolute.ExitCodeAsync());
            Assert.Contains("error: ", absolute.Error, StringComparison.Ordinal);
            Assert.Equal(1, await noLocal.ExitCodeAsync());
            Assert.Contains("There is no file", noLocal.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(await Client.ListFilesAsync(sessionId, Ct), f => f.Path.Contains("escape", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task FilesGet_WithoutOutput_WritesTheBytesAsTheyAreToStandardOutput()
    {
        var sessionId = await NewSessionAsync();
        byte[] bytes = [0xff, 0xfe, 0x00, (byte)'h', 0xc3, 0xa9, (byte)'\n'];
        await Client.WriteFileAsync(sessionId, "blob.bin", bytes, Ct);

        var get = Start(["files", "get", sessionId, "blob.bin"]);

        Assert.Equal(0, await get.ExitCodeAsync());
        Assert.Equal(bytes, get.StandardOutputBytes.ToArray());
        Assert.Equal("", get.Output);
    }

    [Fact]
    public async Task Send_MessageDash_ReadsTheMessageFromStandardInput()
    {
        var sessionId = await NewSessionAsync();
        Model.Enqueue(Reply.Text("Read it."));

        var send = Start(["send", sessionId, "-"], stdin: "A message\nfrom a pipe\n");

        Assert.Equal(0, await send.ExitCodeAsync());
        Assert.StartsWith("› A message\nfrom a pipe", send.Output, StringComparison.Ordinal);
        Assert.True(Model.ConversationRequests[^1].MessagesContain("A message\\nfrom a pipe"), "the model should get the message as piped");
    }

    [Fact]
    public async Task BadInput_UnknownSessionIsOne_BadArgumentsAreTwoWithUsage()
    {
        var unknown = await RunAsync("send", "no-such-session", "hi");
        var attachUnknown = await RunAsync("attach", "no-such-session");
        var missingArgument = await RunAsync("attach");
        var unknownOption = await RunAsync("sessions", "create", "--bogus");
        var negativeSeq = await RunAsync("attach", "x", "--after", "-1");
        var badUrl = await CliRun.RunAsync("--url", "not a url", "sessions", "list");
        var noKey = await CliRun.RunAsync("--url", Server.BaseAddress.ToString(), "sessions", "list");
        var badProfile = await RunAsync("sessions", "create", "--profile", "no-such-profile");
        var unreachable = await CliRun.RunAsync("--url", "http://127.0.0.1:1", "sessions", "list");

        Assert.Equal(1, await unknown.ExitCodeAsync());
        Assert.Equal("error: Session 'no-such-session' was not found.", unknown.Error.Trim());
        Assert.Equal(1, await attachUnknown.ExitCodeAsync());
        Assert.Contains("was not found", attachUnknown.Error, StringComparison.Ordinal);
        foreach (var usage in new[] { missingArgument, unknownOption, negativeSeq })
        {
            Assert.Equal(2, await usage.ExitCodeAsync());
            Assert.Contains("Usage:", usage.Output, StringComparison.Ordinal);
        }

        Assert.Contains("--bogus", unknownOption.Error, StringComparison.Ordinal);
        Assert.Equal(2, await badUrl.ExitCodeAsync());
        Assert.Contains("--url must be an http:// or https:// address", badUrl.Error, StringComparison.Ordinal);
        Assert.Equal(1, await noKey.ExitCodeAsync());
        Assert.Contains("--api-key", noKey.Error, StringComparison.Ordinal);
        Assert.Equal(1, await badProfile.ExitCodeAsync());
        Assert.Contains("no-such-profile", badProfile.Error, StringComparison.Ordinal);
        Assert.Equal(1, await unreachable.ExitCodeAsync());
        Assert.Contains("cannot reach the server at http://127.0.0.1:1", unreachable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_GivesTheUrlAndKey_WhenTheOptionsDoNot()
    {
        var env = new Dictionary<string, string?> { ["AGENT_RUNTIME_URL"] = Server.BaseAddress.ToString(), ["AGENT_RUNTIME_API_KEY"] = Server.AdminKey };
        var console = new TestConsole().Width(200);
        var host = new CliHost { Console = console, GetEnvironmentVariable = name => env.GetValueOrDefault(name) };

        var code = await CliApp.RunAsync(["--json", "sessions", "list"], host, Ct).WaitAsync(RuntimeServer.Timeout, Ct);

        Assert.Equal(0, code);
        Assert.NotNull(JsonSerializer.Deserialize(console.Output, AgentRuntimeJsonContext.Default.SessionList));
    }
}
