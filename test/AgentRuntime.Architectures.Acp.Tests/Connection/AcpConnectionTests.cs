using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Architectures.Acp.Tests.Support;

namespace AgentRuntime.Architectures.Acp.Tests.Connection;

public sealed class AcpConnectionTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_NewSession_StartsTheCommandAdvertisesFilesAndRemembersTheSessionId()
    {
        await using var harness = new AcpAgentHarness();
        JsonObject? init = null;
        JsonObject? created = null;

        await harness.ConnectAsync(agentSide: async () =>
        {
            init = await harness.Agent.ExpectAsync("initialize");
            await harness.Agent.RespondAsync(init["id"], new JsonObject { ["protocolVersion"] = 1 });
            created = await harness.Agent.ExpectAsync("session/new");
            await harness.Agent.RespondAsync(created["id"], new JsonObject { ["sessionId"] = "acp-42" });
        });

        var spec = Assert.Single(harness.Sandbox.Started);
        Assert.Equal(("fake-agent", "--acp", "k", "/sandbox/home"), (spec.Command, spec.Arguments.Single(), spec.Environment["AGENT_KEY"], spec.Environment["HOME"]));
        Assert.Equal("""{"readTextFile":true,"writeTextFile":true}""", init!["params"]!["clientCapabilities"]!["fs"]!.ToJsonString());
        Assert.Equal(1, init["params"]!["protocolVersion"]!.GetValue<int>());
        Assert.Equal("""{"cwd":"/sandbox/workspace","mcpServers":[]}""", created!["params"]!.ToJsonString());
        var state = await harness.Sandbox.ReadFileAsync(SandboxRoot.Home, ".agent-runtime/acp/session.json", Token).WaitAsync(AcpAgentHarness.Bound, Token);
        Assert.Equal("""{"acpSessionId":"acp-42"}""", Encoding.UTF8.GetString(state!));
        Assert.Equal([".agent-runtime/acp"], harness.Architecture.GetTranscriptDirectories(harness.Sandbox, harness.Session));
    }

    [Fact]
    public async Task RunTurn_UpdatesThenTheAnswer_StreamTheTextAndEndWithTheUsage()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync();

        var events = await AcpAgentHarness.RunTurnAsync(connection, "Say hello", async prompt =>
        {
            await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "Hel"));
            await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "lo"));
            await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn", ["usage"] = new JsonObject { ["inputTokens"] = 12, ["outputTokens"] = 3, ["totalTokens"] = 15 } });
        }, harness.Agent);

        Assert.Equal(
            ["session:block:start", "session:block:delta", "session:block:delta", "session:block:complete", "session:metadata:update"],
            events.Select(e => e switch
            {
                BlockStartEvent => "session:block:start",
                BlockDeltaEvent => "session:block:delta",
                BlockCompleteEvent => "session:block:complete",
                MetadataUpdateEvent => "session:metadata:update",
                _ => e.GetType().Name,
            }));
        Assert.Equal("Hello", Assert.IsType<AssistantTextBlock>(events.OfType<BlockCompleteEvent>().Single().Block).Content);
        Assert.Equal(12, events.OfType<MetadataUpdateEvent>().Single().Metadata.Usage.InputTokens);
    }

    [Fact]
    public async Task RunTurn_UpdatesThatWaitToBeRead_ComeAsOneBatch()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync();
        await using var batches = connection.RunTurnAsync(new AgentTurn("t1", "Count"), Token).GetAsyncEnumerator(Token);
        var first = batches.MoveNextAsync().AsTask();
        var prompt = await harness.Agent.ExpectAsync("session/prompt").WaitAsync(AcpAgentHarness.Bound, Token);
        await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "0"));
        Assert.True(await first.WaitAsync(AcpAgentHarness.Bound, Token));

        // While nobody takes the next batch (as while the session's log stores one), the agent says twenty things more.
        for (var i = 1; i <= 20; i++)
        {
            await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", $" {i}"));
        }

        await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" });
        await Task.Delay(TimeSpan.FromMilliseconds(500), Token);
        var rest = new List<IReadOnlyList<SessionEvent>>();
        while (await batches.MoveNextAsync().AsTask().WaitAsync(AcpAgentHarness.Bound, Token))
        {
            rest.Add(batches.Current);
        }

        Assert.Equal(20, rest[0].OfType<BlockDeltaEvent>().Count());
        Assert.All(rest, batch => Assert.NotEmpty(batch));
        var text = Assert.IsType<AssistantTextBlock>(rest.SelectMany(batch => batch).OfType<BlockCompleteEvent>().Single().Block);
        Assert.Equal("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", text.Content);
    }

    [Fact]
    public async Task RunTurn_AgentCallsTheClient_FilesAreServedFromTheWorkspaceAndPermissionFollowsTheProfile()
    {
        await using var harness = new AcpAgentHarness();
        await harness.Sandbox.WriteFileAsync(SandboxRoot.Workspace, "src/a.txt", "one\ntwo\nthree"u8.ToArray(), Token).WaitAsync(AcpAgentHarness.Bound, Token);
        var connection = await harness.ConnectAsync(profile: new Profiles.AgentProfile { Id = "p", Name = "P", AllowedTools = ["edit"] });
        var answers = new Dictionary<long, JsonObject>();

        var events = await AcpAgentHarness.RunTurnAsync(connection, "Edit", async prompt =>
        {
            await harness.Agent.RequestAsync(100, "fs/read_text_file", new JsonObject { ["sessionId"] = "acp-1", ["path"] = "/sandbox/workspace/src/a.txt", ["line"] = 2, ["limit"] = 1 });
            await harness.Agent.RequestAsync(101, "fs/write_text_file", new JsonObject { ["sessionId"] = "acp-1", ["path"] = "/sandbox/workspace/src/b.txt", ["content"] = "new" });
            await harness.Agent.RequestAsync(102, "fs/read_text_file", new JsonObject { ["sessionId"] = "acp-1", ["path"] = "/etc/passwd" });
            await harness.Agent.RequestAsync(103, "session/request_permission", FakeAcpAgent.Permission("edit-1", "edit"));
            await harness.Agent.RequestAsync(104, "session/request_permission", FakeAcpAgent.Permission("shell-1", "execute"));
            for (var i = 0; i < 5; i++)
            {
                var answer = (await harness.Agent.ReadAsync())!;
                answers[answer["id"]!.GetValue<long>()] = answer;
            }

            await harness.Agent.UpdateAsync("acp-1", new JsonObject { ["sessionUpdate"] = "tool_call_update", ["toolCallId"] = "edit-1", ["status"] = "completed" });
            await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" });
        }, harness.Agent);

        Assert.Equal("two", answers[100]["result"]!["content"]!.GetValue<string>());
        Assert.Equal("{}", answers[101]["result"]!.ToJsonString());
        Assert.Equal("new"u8.ToArray(), await harness.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "src/b.txt", Token).WaitAsync(AcpAgentHarness.Bound, Token));
        Assert.Equal(-32602, answers[102]["error"]!["code"]!.GetValue<int>());
        Assert.Equal("allow", answers[103]["result"]!["outcome"]!["optionId"]!.GetValue<string>());
        Assert.Equal("reject", answers[104]["result"]!["outcome"]!["optionId"]!.GetValue<string>());
        var projection = Mapping.RecordedAcp.Project(events);
        Assert.Equal(ToolStatus.Success, Assert.IsType<ToolUseBlock>(projection.GetBlock("edit-1")).Status);
        Assert.Equal(ToolStatus.Error, Assert.IsType<ToolUseBlock>(projection.GetBlock("shell-1")).Status);
    }

    [Fact]
    public async Task RunTurn_Cancelled_SendsSessionCancelEndsWhenTheAgentAnswersAndTheNextTurnRuns()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = new List<SessionEvent>();
        var turn = Task.Run(async () =>
        {
            await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Work"), cancel.Token).SelectMany(batch => batch))
            {
                seen.Add(e);
                if (e is BlockDeltaEvent)
                {
                    await cancel.CancelAsync();
                }
            }
        }, Token);

        var prompt = await harness.Agent.ExpectAsync("session/prompt");
        await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "Working"));
        var cancelled = await harness.Agent.ExpectAsync("session/cancel");
        await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "cancelled" });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => turn.WaitAsync(AcpAgentHarness.Bound, Token));
        Assert.Equal("""{"sessionId":"acp-1"}""", cancelled["params"]!.ToJsonString());
        Assert.Null(cancelled["id"]);
        Assert.False(harness.Process.Killed);
        var next = await AcpAgentHarness.RunTurnAsync(connection, "Again", async p =>
        {
            await harness.Agent.UpdateAsync("acp-1", FakeAcpAgent.Chunk("agent_message_chunk", "Back."));
            await harness.Agent.RespondAsync(p["id"], new JsonObject { ["stopReason"] = "end_turn" });
        }, harness.Agent);
        Assert.Equal("Back.", next.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content);
    }

    [Fact]
    public async Task RunTurn_AgentExitsMidTurn_ThrowsAgentExitedWithTheExitCodeAndTheTailOfStderr()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => AcpAgentHarness.RunTurnAsync(connection, "Crash", async _ =>
        {
            await harness.Process.WriteStderrAsync("fatal: out of cheese");
            harness.Process.Exit(2);
        }, harness.Agent));

        Assert.Equal("agent_exited", error.Code);
        Assert.Equal("The ACP agent 'fake-agent' exited with code 2 before answering. Standard error ended with:\nfatal: out of cheese", error.Message);
        Assert.True(connection.Exited.IsCompleted);
    }

    [Fact]
    public async Task RunTurn_ErrorAnswer_ThrowsAgentErrorWithTheAgentsMessage()
    {
        await using var harness = new AcpAgentHarness();
        var connection = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<AgentException>(() => AcpAgentHarness.RunTurnAsync(connection, "Fail", prompt =>
            harness.Agent.RespondErrorAsync(prompt["id"], -32603, "Internal error", new JsonObject { ["details"] = "quota exceeded" }), harness.Agent));

        Assert.Equal("agent_error", error.Code);
        Assert.Equal("The ACP agent 'fake-agent' failed the turn: Internal error: quota exceeded", error.Message);
    }

    [Fact]
    public async Task ConnectAsync_Resume_LoadsTheRememberedSessionAndLeavesItsReplayOut()
    {
        await using var harness = new AcpAgentHarness();
        await harness.Sandbox.WriteFileAsync(SandboxRoot.Home, ".agent-runtime/acp/session.json", """{"acpSessionId":"acp-7"}"""u8.ToArray(), Token).WaitAsync(AcpAgentHarness.Bound, Token);
        JsonObject? load = null;
        var connection = await harness.ConnectAsync(resume: true, agentSide: async () =>
        {
            var init = await harness.Agent.ExpectAsync("initialize");
            await harness.Agent.RespondAsync(init["id"], new JsonObject { ["protocolVersion"] = 1, ["agentCapabilities"] = new JsonObject { ["loadSession"] = true } });
            load = await harness.Agent.ExpectAsync("session/load");
            await harness.Agent.UpdateAsync("acp-7", FakeAcpAgent.Chunk("user_message_chunk", "Old question"));
            await harness.Agent.RespondAsync(load["id"], null);
            // Like the Gemini CLI, part of the replay comes after the answer.
            await harness.Agent.UpdateAsync("acp-7", FakeAcpAgent.Chunk("agent_message_chunk", "Old answer"));
        });

        var events = await AcpAgentHarness.RunTurnAsync(connection, "New question", async prompt =>
        {
            await harness.Agent.UpdateAsync("acp-7", FakeAcpAgent.Chunk("agent_message_chunk", "New answer"));
            await harness.Agent.RespondAsync(prompt["id"], new JsonObject { ["stopReason"] = "end_turn" });
        }, harness.Agent);

        Assert.Equal("""{"sessionId":"acp-7","cwd":"/sandbox/workspace","mcpServers":[]}""", load!["params"]!.ToJsonString());
        Assert.Equal(["New answer"], events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Select(b => b.Content));
        Assert.DoesNotContain(events.OfType<BlockCompleteEvent>(), e => e.Block is UserMessageBlock);
    }

    [Fact]
    public async Task ConnectAsync_ResumeButTheAgentCannotLoad_StartsANewSession()
    {
        await using var harness = new AcpAgentHarness();
        await harness.Sandbox.WriteFileAsync(SandboxRoot.Home, ".agent-runtime/acp/session.json", """{"acpSessionId":"acp-7"}"""u8.ToArray(), Token).WaitAsync(AcpAgentHarness.Bound, Token);

        await harness.ConnectAsync(resume: true, agentSide: () => harness.HandshakeAsync("acp-8", loadSession: false));

        var state = await harness.Sandbox.ReadFileAsync(SandboxRoot.Home, ".agent-runtime/acp/session.json", Token).WaitAsync(AcpAgentHarness.Bound, Token);
        Assert.Equal("""{"acpSessionId":"acp-8"}""", Encoding.UTF8.GetString(state!));
    }

    [Fact]
    public async Task ConnectAsync_AgentRefusesToInitialize_ThrowsAgentErrorAndStopsIt()
    {
        await using var harness = new AcpAgentHarness();

        var error = await Assert.ThrowsAsync<AgentException>(() => harness.ConnectAsync(agentSide: async () =>
        {
            var init = await harness.Agent.ExpectAsync("initialize");
            await harness.Agent.RespondErrorAsync(init["id"], -32000, "Authentication required.");
        }));

        Assert.Equal("agent_error", error.Code);
        Assert.Equal("The ACP agent 'fake-agent' refused to start the session: Authentication required.", error.Message);
        Assert.True(harness.Process.Exited.IsCompleted);
    }
}
