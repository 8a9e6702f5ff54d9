using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Benchmarks.FanOut;

/// <summary>
/// A bench stand-in for an agent: each turn answers with one text block whose deltas come at a fixed rate, as many as
/// the user's message says, each delta's text the <see cref="Stopwatch"/> timestamp of the moment it was produced.
/// Everything after the connection's events (the session's log, the group commit, the store, SSE and the hub) is the
/// real path; an agent CLI would add its process start-up and its model, which are not what this measures.
/// </summary>
internal sealed class StreamingArchitecture(int eventsPerSecond) : IAgentArchitecture
{
    public const string ArchitectureName = "bench-stream";

    public string Name => ArchitectureName;

    public ArchitectureAvailability GetAvailability() => new(Name, true, null);

    public IReadOnlyList<string> GetTranscriptDirectories(ISandbox sandbox, SessionRecord session) => [];

    public Task<IAgentConnection> ConnectAsync(AgentConnectContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IAgentConnection>(new Connection(eventsPerSecond));

    public ParsedTranscript ParseTranscript(IReadOnlyList<NativeTranscriptFile> files, SessionRecord session) => new([], []);

    /// <summary>The production time a delta carries, or null when it carries none.</summary>
    public static long? ProducedAt(string delta) =>
        long.TryParse(delta.AsSpan().TrimEnd(' '), NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp) ? timestamp : null;

    private sealed class Connection(int eventsPerSecond) : IAgentConnection
    {
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Exited => _exited.Task;

        // As a real agent's output is read all the time and taken in batches of what has arrived, the deltas are
        // produced on their schedule into a channel, whatever the session's log is doing, and taken from it in batches.
        public async IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var count = int.Parse(turn.Content, NumberStyles.None, CultureInfo.InvariantCulture);
            var id = $"text-{turn.TurnId}";
            var block = new AssistantTextBlock { Id = id, Timestamp = DateTimeOffset.UnixEpoch, Content = "" };
            var output = Channel.CreateUnbounded<SessionEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var producing = ProduceAsync(output.Writer, id, block, count, cancellationToken);
            while (await output.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var batch = new List<SessionEvent>();
                while (batch.Count < 256 && output.Reader.TryRead(out var e))
                {
                    batch.Add(e);
                }

                yield return batch;
            }

            await producing.ConfigureAwait(false);
        }

        // Paced against the schedule, not the previous event: a late timer is made up by the next events coming at
        // once, so the rate holds on average as long as the machine keeps up, and falls when it does not.
        private async Task ProduceAsync(ChannelWriter<SessionEvent> output, string id, AssistantTextBlock block, int count, CancellationToken cancellationToken)
        {
            try
            {
                output.TryWrite(new BlockStartEvent { ConversationId = Conversations.Main, Block = block });
                var content = new StringBuilder();
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < count; i++)
                {
                    var due = start + i * Stopwatch.Frequency / eventsPerSecond;
                    var now = Stopwatch.GetTimestamp();
                    if (due > now)
                    {
                        await Task.Delay(Stopwatch.GetElapsedTime(now, due), cancellationToken).ConfigureAwait(false);
                    }

                    var delta = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) + " ";
                    content.Append(delta);
                    output.TryWrite(new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = id, Delta = delta });
                }

                output.TryWrite(new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = id, Block = block with { Content = content.ToString() } });
                output.TryComplete();
            }
            catch (Exception ex)
            {
                output.TryComplete(ex);
            }
        }

        // Not measured: the stand-in runs its turns to their end.
        public Task InterruptAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            _exited.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
