using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using AgentRuntime.Approvals;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Testing;

namespace AgentRuntime.Architectures.Claude.Tests.Integration;

/// <summary>Interrupting a turn and answering the CLI's permission prompts, with the real CLI and a scripted model.</summary>
public sealed class ClaudeCodeControlTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Interrupt_DuringALongTool_EndsTheTurnPromptlyAndTheNextTurnContinues()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "sleep 30; echo late > late.txt" }, id: "toolu_slow"), Reply.Text("Still here."));
        await using var connection = await claude.ConnectAsync();
        var events = new List<SessionEvent>();
        var stopping = Stopwatch.StartNew();

        await foreach (var e in connection.RunTurnAsync(new AgentTurn("slow", "Run the slow command"), Token).SelectMany(batch => batch).WithCancellation(Token))
        {
            events.Add(e);
            if (e is BlockCompleteEvent { Block: ToolUseBlock { ToolUseId: "toolu_slow" } })
            {
                // Past the tool's start, so that it runs when the interrupt comes.
                await Task.Delay(500, Token);
                stopping.Restart();
                await connection.InterruptAsync(Token).WaitAsync(Bound, Token);
            }
        }

        var stopped = stopping.Elapsed;
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"the turn took {stopped} to stop");
        Assert.DoesNotContain(events, e => e is BlockStartEvent { Block: UserMessageBlock });
        Assert.Contains(events, e => e is BlockCompleteEvent { Block: SystemBlock { Subtype: "interrupted" } });
        Assert.False(connection.Exited.IsCompleted);
        var next = await ClaudeSession.RunTurnAsync(connection, "Are you there?");
        Assert.Equal("Still here.", next.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content);
        var history = JsonSerializer.Serialize(claude.Model.ConversationRequests[^1].Messages);
        Assert.Contains("Run the slow command", history, StringComparison.Ordinal);
        Assert.Null(await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "late.txt", Token).WaitAsync(Bound, Token));
    }

    [Fact]
    public async Task Interrupt_WhileTextStreams_EndsTheTurnWithWhatWasSaid()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.Text(string.Join(' ', Enumerable.Range(1, 60).Select(i => $"word{i}"))).WithPieces(60).WithChunkDelay(TimeSpan.FromMilliseconds(200)), Reply.Text("Next answer."));
        await using var connection = await claude.ConnectAsync();
        var deltas = 0;

        await foreach (var e in connection.RunTurnAsync(new AgentTurn("t1", "Talk"), Token).SelectMany(batch => batch).WithCancellation(Token))
        {
            if (e is BlockDeltaEvent && ++deltas == 3)
            {
                await connection.InterruptAsync(Token).WaitAsync(Bound, Token);
            }
        }

        Assert.InRange(deltas, 3, 30);
        var next = await ClaudeSession.RunTurnAsync(connection, "Go on");
        Assert.Equal("Next answer.", next.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<AssistantTextBlock>().Last().Content);
    }

    [Fact]
    public async Task PermissionPrompt_AllowedWithAChangedInput_RunsTheChangedCommand()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "echo original > out.txt" }, id: "toolu_ask"), Reply.Text("Done."));
        await using var connection = await claude.ConnectAsync(permissionMode: PermissionMode.Ask);
        var approvals = new ScriptedApprovals(_ => new ToolApprovalDecision { Allow = true, UpdatedInput = JsonElement.Parse("""{"command":"echo edited > out.txt"}""") });

        var events = await RunTurnAsync(connection, "Write the file", approvals);

        var request = Assert.Single(approvals.Requests);
        Assert.Equal(("Bash", "toolu_ask", "toolu_ask"), (request.ToolName, request.ToolUseId, request.BlockId));
        Assert.Equal("echo original > out.txt", request.Input.GetProperty("command").GetString());
        Assert.Contains(events, e => e is ApprovalRequestedEvent);
        Assert.Equal("edited\n", System.Text.Encoding.UTF8.GetString((await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "out.txt", Token).WaitAsync(Bound, Token))!));
    }

    [Fact]
    public async Task PermissionPrompt_Denied_ReachesTheModelAsTheDenial()
    {
        await using var claude = await ClaudeSession.StartAsync();
        claude.Model.Enqueue(Reply.ToolUse("Bash", new { command = "echo no > out.txt" }, id: "toolu_ask"), Reply.Text("Understood."));
        await using var connection = await claude.ConnectAsync(permissionMode: PermissionMode.Ask);
        var approvals = new ScriptedApprovals(_ => new ToolApprovalDecision { Allow = false, Message = "Not in this repository." });

        await RunTurnAsync(connection, "Write the file", approvals);

        Assert.Single(approvals.Requests);
        Assert.Null(await claude.Sandbox.ReadFileAsync(SandboxRoot.Workspace, "out.txt", Token).WaitAsync(Bound, Token));
        var toolResult = string.Join("\n", claude.Model.ConversationRequests[^1].Messages.Select(m => m.ToJsonString()));
        Assert.Contains("Not in this repository.", toolResult, StringComparison.Ordinal);
        Assert.Contains("\"is_error\":true", toolResult, StringComparison.Ordinal);
    }

    private static async Task<List<SessionEvent>> RunTurnAsync(IAgentConnection connection, string content, IToolApprovals approvals)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(ClaudeSession.TurnTimeout);
        var events = new List<SessionEvent>();
        await foreach (var e in connection.RunTurnAsync(new AgentTurn(Guid.NewGuid().ToString("N"), content) { Approvals = approvals }, deadline.Token).SelectMany(batch => batch))
        {
            events.Add(e);
        }

        return events;
    }

    // Decides at once, and shows each request in the log as the runtime's approvals would.
    private sealed class ScriptedApprovals(Func<ToolApprovalRequest, ToolApprovalDecision> decide) : IToolApprovals
    {
        private readonly ConcurrentQueue<ToolApprovalRequest> _requests = new();

        public IReadOnlyList<ToolApprovalRequest> Requests => [.. _requests];

        public ToolApprovalTicket Request(ToolApprovalRequest request)
        {
            _requests.Enqueue(request);
            var requested = new ApprovalRequestedEvent
            {
                ApprovalId = $"ap_{_requests.Count}",
                TurnId = "t",
                ConversationId = request.ConversationId,
                BlockId = request.BlockId,
                ToolName = request.ToolName,
                Input = request.Input,
            };
            return new ToolApprovalTicket([requested], Task.FromResult(decide(request)));
        }
    }
}
