using System.Runtime.CompilerServices;
using System.Text;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>
/// A hand-written architecture for testing the session core without an agent CLI: it answers each message with
/// "echo #N: ..." where N counts the turns in its transcript file, which it appends to in the sandbox home, so a
/// restored transcript shows in the answer.
/// </summary>
internal sealed class EchoArchitecture : IAgentArchitecture
{
    public const string TranscriptPath = ".echo/transcript.txt";

    public string Name => "echo";

    public int Connections { get; private set; }

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

    public IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session) => [".echo"];

    public Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken)
    {
        Connections++;
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

        public Task Exited => _exited.Task;

        public void Crash() => _exited.TrySetResult();

        public async IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var transcript = await sandbox.ReadFileAsync(SandboxRoot.Home, TranscriptPath, cancellationToken) ?? [];
            var text = Encoding.UTF8.GetString(transcript);
            var n = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length + 1;
            await sandbox.WriteFileAsync(SandboxRoot.Home, TranscriptPath, Encoding.UTF8.GetBytes(text + turn.Content + "\n"), cancellationToken);
            await sandbox.WriteFileAsync(SandboxRoot.Workspace, $"turn-{n}.txt", Encoding.UTF8.GetBytes(turn.Content), cancellationToken);

            var id = $"echo-{turn.TurnId}";
            var block = new AssistantTextBlock { Id = id, Timestamp = DateTimeOffset.UnixEpoch, Content = "" };
            yield return [new BlockStartEvent { ConversationId = Conversations.Main, Block = block }];
            yield return
            [
                new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = $"echo #{n}: " },
                new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = turn.Content },
            ];
            yield return [new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = id, Block = block with { Content = $"echo #{n}: {turn.Content}" } }];
        }

        public ValueTask DisposeAsync()
        {
            _exited.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
