using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;

namespace AgentRuntime.Benchmarks.IdleSessions;

/// <summary>
/// The log of a small finished conversation, event for event as the runtime writes it for Claude Code (the shape of
/// the recorded stream in the Claude tests' <c>Conversation</c> fixture): <see cref="Turns"/> turns, each the user's
/// message, Claude Code's <c>init</c> notice with its JSON kept, thinking and text streamed as deltas, a Bash call and
/// its result, a file the agent wrote, a closing answer, the usage so far and the turn's end; the sandbox started before
/// the first and closed, idle, after the last. Texts differ per session, as two conversations' do.
/// </summary>
internal static class IdleConversation
{
    public const int Turns = 3;
    private const string Main = Conversations.Main;
    private const string Model = "claude-sonnet-4-5";

    private static readonly string[] Words =
    [
        "the", "session", "workspace", "file", "test", "build", "error", "fix", "function", "returns", "value", "config",
        "runs", "change", "check", "output", "line", "module", "import", "path", "server", "client", "request", "cache",
    ];

    public static List<SessionEvent> For(int session, DateTimeOffset start)
    {
        var random = new Random(session);
        var events = new List<SessionEvent>();
        var now = start;
        var usage = new TokenUsage();
        var cost = 0m;
        for (var turn = 0; turn < Turns; turn++)
        {
            var first = events.Count;
            var turnId = Guid.NewGuid().ToString("N");
            var message = $"msg_{Guid.NewGuid():N}";
            events.Add(new TurnStartedEvent { TurnId = turnId });
            Whole(events, new UserMessageBlock { Id = $"user-{turnId}", Timestamp = now, Content = Text(random, 20) });
            if (turn == 0)
            {
                events.Add(new StatusEvent { Runtime = Runtime(SandboxStatus.Starting, now) });
                events.Add(new StatusEvent { Runtime = Runtime(SandboxStatus.Ready, now) });
            }

            Whole(events, new SystemBlock { Id = Guid.NewGuid().ToString(), Timestamp = now, Subtype = "init", Message = $"Claude Code 2.1.330, model {Model}", Metadata = Init() });
            Streamed(events, new ThinkingBlock { Id = $"{message}:0", Timestamp = now, Content = "" }, random, deltas: 2, wordsPerDelta: 15);
            Streamed(events, new AssistantTextBlock { Id = $"{message}:1", Timestamp = now, Content = "", Model = Model }, random, deltas: 3, wordsPerDelta: 15);

            var toolUseId = $"toolu_{Guid.NewGuid():N}";
            var call = new ToolUseBlock { Id = $"{message}:2", Timestamp = now, ToolName = "Bash", ToolUseId = toolUseId, Status = ToolStatus.Pending };
            events.Add(new BlockStartEvent { ConversationId = Main, Block = call });
            var input = JsonElement.Parse(new JsonObject { ["command"] = $"ls -la src && dotnet test --filter {Word(random)}", ["description"] = Text(random, 6) }.ToJsonString());
            events.Add(new BlockCompleteEvent { ConversationId = Main, BlockId = call.Id, Block = call with { Input = input, Status = ToolStatus.Running } });
            events.Add(new BlockUpdateEvent { ConversationId = Main, BlockId = call.Id, Updates = new BlockUpdate { Status = ToolStatus.Success } });
            Whole(events, new ToolResultBlock { Id = $"result-{toolUseId}", Timestamp = now, ToolUseId = toolUseId, Output = Listing(random, 24), DurationMs = 1200 });
            var path = $"src/{Word(random)}-{turn}.cs";
            events.Add(new FileCreatedEvent { Path = path, Size = 1800, Hash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) });

            var answer = $"msg_{Guid.NewGuid():N}";
            Streamed(events, new AssistantTextBlock { Id = $"{answer}:0", Timestamp = now, Content = "", Model = Model }, random, deltas: 6, wordsPerDelta: 15);
            usage += new TokenUsage { InputTokens = 4_000 + random.Next(2_000), OutputTokens = 600 + random.Next(400), CacheReadInputTokens = 20_000 + random.Next(10_000) };
            cost += 0.02m + random.Next(20) / 1000m;
            events.Add(new MetadataUpdateEvent { ConversationId = Main, Metadata = new SessionMetadata { Usage = usage, CostUsd = cost, Model = Model } });
            events.Add(new TurnCompletedEvent { TurnId = turnId });
            for (var i = first; i < events.Count; i++)
            {
                events[i] = events[i] with { Timestamp = now };
            }

            now = now.AddMinutes(2);
        }

        // The sandbox closed after its idle timeout.
        events.Add(new StatusEvent { Runtime = Runtime(SandboxStatus.Terminated, now), Timestamp = now.AddMinutes(10) });
        return events;
    }

    private static void Whole(List<SessionEvent> events, ConversationBlock block)
    {
        events.Add(new BlockStartEvent { ConversationId = Main, Block = block });
        events.Add(new BlockCompleteEvent { ConversationId = Main, BlockId = block.Id, Block = block });
    }

    private static void Streamed(List<SessionEvent> events, ConversationBlock empty, Random random, int deltas, int wordsPerDelta)
    {
        events.Add(new BlockStartEvent { ConversationId = Main, Block = empty });
        var whole = new StringBuilder();
        for (var i = 0; i < deltas; i++)
        {
            var delta = Text(random, wordsPerDelta) + " ";
            whole.Append(delta);
            events.Add(new BlockDeltaEvent { ConversationId = Main, BlockId = empty.Id, Delta = delta });
        }

        ConversationBlock complete = empty switch
        {
            AssistantTextBlock text => text with { Content = whole.ToString() },
            ThinkingBlock thinking => thinking with { Content = whole.ToString() },
            _ => throw new ArgumentException("Only text and thinking stream.", nameof(empty)),
        };
        events.Add(new BlockCompleteEvent { ConversationId = Main, BlockId = empty.Id, Block = complete });
    }

    private static SessionRuntime Runtime(SandboxStatus status, DateTimeOffset now) =>
        new() { IsLoaded = true, Sandbox = new SandboxInfo { SandboxId = "local-bench", Status = status, LastHealthCheck = now } };

    private static string Text(Random random, int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Word(random)));

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Listing(Random random, int lines) => string.Concat(Enumerable.Range(0, lines).Select(_ =>
        string.Create(CultureInfo.InvariantCulture, $"-rw-r--r-- 1 agent agent {random.Next(100, 20_000),6} Dec  1 04:25 {Word(random)}-{Word(random)}.cs\n")));

    /// <summary>
    /// Claude Code's <c>system</c>/<c>init</c> message as the runtime keeps it (the whole line, in the block's metadata),
    /// with the fields of the recorded one and lists of about its length.
    /// </summary>
    private static JsonObject Init() => new()
    {
        ["type"] = "system",
        ["subtype"] = "init",
        ["cwd"] = "/workspace",
        ["session_id"] = Guid.NewGuid().ToString(),
        ["tools"] = Names("Task", "Bash", "Glob", "Grep", "Edit", "MultiEdit", "NotebookEdit", "Read", "Write", "WebFetch", "WebSearch", "TodoWrite", "BashOutput", "KillShell", "ExitPlanMode", "SlashCommand", "Skill", "ListMcpResources", "ReadMcpResource", "ToolSearch", "SendMessage", "Monitor"),
        ["mcp_servers"] = new JsonArray(),
        ["model"] = Model,
        ["permissionMode"] = "bypassPermissions",
        ["slash_commands"] = Names([.. Enumerable.Range(0, 45).Select(i => $"command-{i}")]),
        ["apiKeySource"] = "ANTHROPIC_API_KEY",
        ["claude_code_version"] = "2.1.330",
        ["output_style"] = "default",
        ["agents"] = Names("general-purpose", "statusline-setup", "Explore", "Plan"),
        ["skills"] = Names([.. Enumerable.Range(0, 16).Select(i => $"skill-{i}")]),
        ["plugins"] = new JsonArray([.. Enumerable.Range(0, 3).Select(i => (JsonNode)new JsonObject { ["name"] = $"plugin-{i}", ["path"] = "builtin", ["source"] = $"plugin-{i}@builtin" })]),
        ["capabilities"] = Names([.. Enumerable.Range(0, 22).Select(i => $"capability_{i}_v1")]),
        ["uuid"] = Guid.NewGuid().ToString(),
        ["memory_paths"] = new JsonObject { ["auto"] = "/home/agent/.claude/projects/-workspace/memory/" },
        ["fast_mode_state"] = "off",
    };

    private static JsonArray Names(params string[] names) => new([.. names.Select(n => (JsonNode)n)]);
}
