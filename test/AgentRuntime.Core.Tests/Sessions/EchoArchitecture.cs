using System.Runtime.CompilerServices;
using System.Text;
using AgentRuntime.Approvals;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>
/// A hand-written architecture for testing the session core without an agent CLI: it answers each message with
/// "echo #N: ..." where N counts the turns in its transcript file, which it appends to in the sandbox home, so a
/// restored transcript shows in the answer. Two messages act: <c>hold</c> starts a text block and a running tool call and
/// waits until it is interrupted or cancelled; <c>ask TOOL ARGUMENT</c> asks the turn's approvals before it "runs" the
/// tool, and answers with what it ran, or with the denial's message.
/// </summary>
internal sealed class EchoArchitecture : IAgentArchitecture
{
    public const string TranscriptPath = ".echo/transcript.txt";

    public string Name => "echo";

    public int Connections { get; private set; }

    /// <summary>What the last connection was started with.</summary>
    public AgentConnectContext? LastContext { get; private set; }

    private readonly List<Connection> _open = [];

    /// <summary>Makes every connection exit, as a crashed agent would.</summary>
    public void CrashAll()
    {
        foreach (var connection in _open)
        {
            connection.Crash();
        }
    }

    public ArchitectureAvailability GetAvailability() => new(Name, true, null);

    // The echo agent runs no subagents: a profile that has them gets the core's notice.
    public IReadOnlyList<string> UnsupportedProfileFields => ["subagents"];

    public IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session) => [".echo"];

    public Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        Connections++;
        LastContext = context;
        var connection = new Connection(context.Sandbox);
        _open.Add(connection);
        return Task.FromResult<IAgentConnection>(connection);
    }

    public ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session) =>
        new(files.SelectMany(f => Encoding.UTF8.GetString(f.Content).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select((line, i) => (ConversationBlock)new UserMessageBlock { Id = $"imported-{i}", Timestamp = DateTimeOffset.UnixEpoch, Content = line })
            .ToList(), []);

    private sealed class Connection(ISandbox sandbox) : IAgentConnection
    {
        private readonly TaskCompletionSource _exited = new();
        private TaskCompletionSource? _interrupted;

        public Task Exited => _exited.Task;

        public void Crash() => _exited.TrySetResult();

        public async IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            _interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var transcript = await sandbox.ReadFileAsync(SandboxRoot.Home, TranscriptPath, cancellationToken) ?? [];
            var text = Encoding.UTF8.GetString(transcript);
            var n = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length + 1;
            await sandbox.WriteFileAsync(SandboxRoot.Home, TranscriptPath, Encoding.UTF8.GetBytes(text + turn.Content + "\n"), cancellationToken);
            await sandbox.WriteFileAsync(SandboxRoot.Workspace, $"turn-{n}.txt", Encoding.UTF8.GetBytes(turn.Content), cancellationToken);

            var id = $"echo-{turn.TurnId}";
            var block = new AssistantTextBlock { Id = id, Timestamp = DateTimeOffset.UnixEpoch, Content = "" };
            if (turn.Content == "hold")
            {
                var tool = new ToolUseBlock { Id = $"tool-{turn.TurnId}", Timestamp = DateTimeOffset.UnixEpoch, ToolName = "Bash", ToolUseId = $"tool-{turn.TurnId}", Status = ToolStatus.Running };
                yield return
                [
                    new BlockStartEvent { ConversationId = Conversations.Main, Block = block },
                    new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = "holding" },
                    new BlockStartEvent { ConversationId = Conversations.Main, Block = tool },
                ];
                await _interrupted.Task.WaitAsync(cancellationToken);
                yield break;
            }

            var answer = $"echo #{n}: {turn.Content}";
            if (turn.Content.StartsWith("notice ", StringComparison.Ordinal))
            {
                // What an agent says at every start that it cannot apply of the profile (as the ACP architecture does).
                var notice = new SystemBlock { Id = $"notice-{turn.TurnId}", Timestamp = DateTimeOffset.UnixEpoch, Subtype = "profile_not_applied", Message = turn.Content["notice ".Length..] };
                yield return
                [
                    new BlockStartEvent { ConversationId = Conversations.Main, Block = notice },
                    new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = notice.Id, Block = notice },
                ];
            }

            if (turn.Content.StartsWith("ask ", StringComparison.Ordinal))
            {
                // The tool call and what the log shows for its approval, before the decision is waited for.
                var (tool, ticket) = Ask(turn);
                yield return [new BlockStartEvent { ConversationId = Conversations.Main, Block = tool }, .. ticket?.Events ?? []];
                var decision = ticket is null ? new ToolApprovalDecision { Allow = true } : await ticket.Decision.WaitAsync(cancellationToken);
                yield return [new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = tool.Id, Block = tool with { Status = decision.Allow ? ToolStatus.Success : ToolStatus.Error } }];
                answer = decision.Allow
                    ? $"echo #{n}: ran {(decision.UpdatedInput ?? tool.Input).GetProperty("command").GetString()}"
                    : $"echo #{n}: denied: {decision.Message}";
            }

            yield return [new BlockStartEvent { ConversationId = Conversations.Main, Block = block }];
            yield return
            [
                new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = $"echo #{n}: " },
                new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = answer[$"echo #{n}: ".Length..] },
            ];
            yield return [new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = id, Block = block with { Content = answer } }];
        }

        public Task InterruptAsync(CancellationToken cancellationToken)
        {
            _interrupted?.TrySetResult();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _exited.TrySetResult();
            return ValueTask.CompletedTask;
        }

        // "ask TOOL ARGUMENT": the tool call, and its approval's ticket when the turn has approvals.
        private static (ToolUseBlock Tool, ToolApprovalTicket? Ticket) Ask(AgentTurn turn)
        {
            var parts = turn.Content.Split(' ', 3);
            var input = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["command"] = parts.ElementAtOrDefault(2) ?? "" });
            var tool = new ToolUseBlock { Id = $"tool-{turn.TurnId}", Timestamp = DateTimeOffset.UnixEpoch, ToolName = parts[1], ToolUseId = $"tool-{turn.TurnId}", Input = input, Status = ToolStatus.Running };
            var ticket = turn.Approvals?.Request(new ToolApprovalRequest { ConversationId = Conversations.Main, BlockId = tool.Id, ToolUseId = tool.Id, ToolName = tool.ToolName, Input = input });
            return (tool, ticket);
        }
    }
}
