using System.Globalization;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Sessions;
using Spectre.Console;

namespace AgentRuntime.Cli.Rendering;

/// <summary>
/// Renders a session's events for a person, the way the web UI shows them, on a terminal that only appends: the main
/// thread's text as it arrives, thinking folded to one dim line, a tool call as a line when its input is known and a
/// ✓/✗ line when it ends (with the first line of its output), subagents' threads indented under the call that started
/// them, approvals, file changes, and a usage line at the end of each turn. Errors are red.
/// </summary>
/// <remarks>
/// Streamed text is written raw (no markup, no wrapping by Spectre: the terminal wraps it); the other lines are Spectre
/// <see cref="Text"/> with a style. One renderer follows one session; it is not thread-safe, callers serialize.
/// </remarks>
internal sealed class EventRenderer
{
    private const string Indent = "  ";

    // Runtime and agent notices that say nothing a person needs here: progress ticks, the agent's start-up line, and
    // subagent notices that the subagent's own lines already show.
    private static readonly HashSet<string> QuietSystemSubtypes =
        ["status", "thinking_tokens", "init", "task_started", "task_updated", "task_progress", "task_notification"];

    private readonly IAnsiConsole _console;
    private readonly Dictionary<string, int> _conversationDepth = new() { [Conversations.Main] = 0 };
    private readonly Dictionary<string, ConversationBlock> _blocks = [];
    private readonly Dictionary<string, string> _streamed = [];
    private readonly HashSet<string> _announced = [];
    private readonly HashSet<string> _finished = [];
    private readonly Dictionary<string, int> _toolDepth = [];
    private readonly Dictionary<string, int> _approvalDepth = [];

    // The line the cursor is on: who wrote it (a block id) and whether anything is on it yet.
    private string? _lineOwner;
    private bool _lineOpen;
    private bool _wroteAnything;
    private string? _lastErrorMessage;
    private SessionMetadata? _metadata;
    private SessionMetadata? _turnStartMetadata;

    public EventRenderer(IAnsiConsole console, SessionMetadata? metadata = null)
    {
        _console = console;
        _metadata = metadata;
        _turnStartMetadata = metadata;
    }

    /// <summary>Renders one event.</summary>
    public void Render(SessionEvent e)
    {
        switch (e)
        {
            case BlockStartEvent start:
                Remember(start.ConversationId, start.Block);
                OnBlockStarted(start.ConversationId, start.Block);
                break;
            case BlockDeltaEvent delta:
                OnDelta(delta);
                break;
            case BlockUpdateEvent update when _blocks.TryGetValue(update.BlockId, out var block):
                var updated = update.Updates.ApplyTo(block);
                _blocks[update.BlockId] = updated;
                OnBlockChanged(update.ConversationId, updated);
                break;
            case BlockCompleteEvent complete:
                Remember(complete.ConversationId, complete.Block);
                OnBlockCompleted(complete.ConversationId, complete.Block);
                break;
            case MetadataUpdateEvent { ConversationId: Conversations.Main } metadata:
                _metadata = metadata.Metadata;
                break;
            case StatusEvent status:
                OnStatus(status.Runtime);
                break;
            case TurnStartedEvent:
                if (_wroteAnything)
                {
                    EndLine();
                    WriteRaw("\n");
                }

                _turnStartMetadata = _metadata;
                _lastErrorMessage = null;
                break;
            case TurnCompletedEvent completed:
                if (completed.StopReason == "interrupted")
                {
                    Line(0, "⏹ interrupted", Color.Yellow);
                }

                WriteUsage();
                break;
            case TurnFailedEvent failed:
                Line(0, failed.Error == _lastErrorMessage ? "✗ turn failed" : $"✗ turn failed: {failed.Error}", Color.Red);
                WriteUsage();
                break;
            case FileEvent file:
                OnFile(file);
                break;
            case ApprovalRequestedEvent approval:
                _approvalDepth[approval.ApprovalId] = DepthOf(approval.ConversationId);
                Line(
                    DepthOf(approval.ConversationId),
                    $"? {approval.ToolName} asks for approval: {ToolInputSummary.Of(approval.Input)}  [{approval.ApprovalId}]",
                    Color.Yellow);
                break;
            case ApprovalResolvedEvent resolved:
                // A person's answer names their key; only the runtime's own deciders say something here.
                var by = resolved.By is "timeout" or "interrupt" or "restart" ? $" ({resolved.By})" : "";
                var at = _approvalDepth.GetValueOrDefault(resolved.ApprovalId);
                if (resolved.Decision == ApprovalDecisionKind.Allow)
                {
                    Line(at, $"✓ allowed{(resolved.Remember ? " for the rest of the session" : "")}{by}", Color.Green);
                }
                else
                {
                    Line(at, $"✗ denied{by}{(resolved.Message is { Length: > 0 } message ? $": {message}" : "")}", Color.Red);
                }

                break;
            case OptionsUpdateEvent options:
                Dim(0, $"options: permission mode {Describe(options.Options.PermissionMode)}, model {options.Options.Model ?? "the profile's"}");
                break;
            case ErrorEvent error:
                Line(0, $"error: {error.Message}", Color.Red);
                break;
        }
    }

    /// <summary>Renders a stored conversation (the session detail's blocks), each block as finished.</summary>
    public void RenderConversation(IReadOnlyList<ConversationBlock> blocks, IReadOnlyList<SubagentThread> subagents)
    {
        var threads = subagents.ToDictionary(s => s.Id, s => s.Blocks);
        RenderThread(Conversations.Main, blocks, threads);
        EndLine();
    }

    /// <summary>Ends the line streamed text left open, so what follows starts on its own line.</summary>
    public void EndLine()
    {
        if (_lineOpen)
        {
            WriteRaw("\n");
        }

        _lineOpen = false;
        _lineOwner = null;
    }

    private void RenderThread(string conversationId, IReadOnlyList<ConversationBlock> blocks, Dictionary<string, IReadOnlyList<ConversationBlock>> threads)
    {
        foreach (var block in blocks)
        {
            Remember(conversationId, block);
            if (block is SubagentBlock subagent && threads.TryGetValue(subagent.SubagentId, out var thread))
            {
                // As it went live: the call, its thread under it, then how it ended.
                OnBlockChanged(conversationId, subagent with { Status = ToolStatus.Running });
                RenderThread(subagent.SubagentId, thread, threads);
            }

            OnBlockCompleted(conversationId, block);
        }
    }

    private void Remember(string conversationId, ConversationBlock block)
    {
        _blocks[block.Id] = block;
        if (block is SubagentBlock subagent)
        {
            _conversationDepth[subagent.SubagentId] = DepthOf(conversationId) + 1;
        }
        else if (block is ToolUseBlock tool)
        {
            _toolDepth[tool.ToolUseId] = DepthOf(conversationId);
        }
    }

    private int DepthOf(string conversationId) => _conversationDepth.GetValueOrDefault(conversationId, 1);

    private void OnBlockStarted(string conversationId, ConversationBlock block)
    {
        switch (block)
        {
            case AssistantTextBlock text:
                Stream(conversationId, text.Id, text.Content);
                break;
            case ThinkingBlock thinking:
                // Folded: a dim "thinking…" now, its length when it ends, on the same line when nothing came between.
                StartLine(DepthOf(conversationId), thinking.Id);
                Write("thinking…", new Style(decoration: Decoration.Dim));
                _streamed[thinking.Id] = thinking.Content;
                break;
            default:
                // A tool call, subagent or result is shown once it is whole; the rest at their completion.
                break;
        }
    }

    private void OnDelta(BlockDeltaEvent delta)
    {
        switch (_blocks.GetValueOrDefault(delta.BlockId))
        {
            case AssistantTextBlock:
                Stream(delta.ConversationId, delta.BlockId, delta.Delta);
                break;
            case ThinkingBlock:
                _streamed[delta.BlockId] = _streamed.GetValueOrDefault(delta.BlockId, "") + delta.Delta;
                break;
        }
    }

    private void OnBlockCompleted(string conversationId, ConversationBlock block)
    {
        var depth = DepthOf(conversationId);
        switch (block)
        {
            case UserMessageBlock user when conversationId == Conversations.Main:
                Line(depth, $"› {user.Content}", new Style(decoration: Decoration.Bold));
                break;
            case UserMessageBlock:
                // A subagent's prompt: its header already shows what it was asked.
                break;
            case AssistantTextBlock text:
                var streamed = _streamed.GetValueOrDefault(text.Id, "");
                if (text.Content.StartsWith(streamed, StringComparison.Ordinal) && text.Content.Length > streamed.Length)
                {
                    Stream(conversationId, text.Id, text.Content[streamed.Length..]);
                }

                if (_lineOwner == text.Id)
                {
                    EndLine();
                }

                _streamed.Remove(text.Id);
                break;
            case ThinkingBlock thinking:
                var length = thinking.Content.Length;
                if (_lineOwner == thinking.Id && _lineOpen)
                {
                    Write($" ({length} chars)", new Style(decoration: Decoration.Dim));
                    EndLine();
                }
                else
                {
                    Dim(depth, $"thinking… ({length} chars)");
                }

                _streamed.Remove(thinking.Id);
                break;
            case ToolUseBlock or SubagentBlock:
                OnBlockChanged(conversationId, block);
                break;
            case ToolResultBlock result:
                OnToolResult(result);
                break;
            case SystemBlock system:
                OnSystem(depth, system);
                break;
            case ErrorBlock error:
                _lastErrorMessage = error.Message;
                Line(depth, error.Code is null ? $"✗ {error.Message}" : $"✗ {error.Message} ({error.Code})", Color.Red);
                break;
        }
    }

    private void OnBlockChanged(string conversationId, ConversationBlock block)
    {
        var (id, status, label) = block switch
        {
            ToolUseBlock tool => (tool.Id, tool.Status, Label(tool.ToolName, ToolInputSummary.Of(tool.Input))),
            SubagentBlock subagent => (subagent.Id, subagent.Status, Label($"subagent {subagent.Name ?? "task"}", ToolInputSummary.Of(subagent.Input))),
            _ => (null, ToolStatus.Pending, ""),
        };
        if (id is null || _finished.Contains(id))
        {
            return;
        }

        var depth = DepthOf(conversationId);
        if (status is ToolStatus.Success or ToolStatus.Error)
        {
            _finished.Add(id);
            // A subagent's answer is not repeated here: its thread, indented above, has shown it.
            Line(depth, status == ToolStatus.Success ? $"✓ {label}" : $"✗ {label}", status == ToolStatus.Success ? Color.Green : Color.Red);
        }
        else if (status is ToolStatus.Running && _announced.Add(id))
        {
            Line(depth, $"⋯ {label}", Color.Blue);
        }
    }

    private void OnToolResult(ToolResultBlock result)
    {
        var depth = _toolDepth.GetValueOrDefault(result.ToolUseId, 0) + 1;
        var duration = result.DurationMs is { } ms ? $" · {FormatDuration(ms)}" : "";
        if (result.IsError)
        {
            Line(depth, $"⎿ {ToolInputSummary.FirstLine(result.Output)}{duration}", Color.Red);
        }
        else
        {
            Dim(depth, result.Output.Trim().Length == 0 ? $"⎿ (no output){duration}" : $"⎿ {ToolInputSummary.FirstLine(result.Output)}{duration}");
        }
    }

    private void OnSystem(int depth, SystemBlock system)
    {
        if (QuietSystemSubtypes.Contains(system.Subtype))
        {
            return;
        }

        if (system.Subtype is "network_denied" or "workspace_limit" or "interrupted")
        {
            Line(depth, $"! {system.Message}", Color.Yellow);
        }
        else
        {
            Dim(depth, system.Message);
        }
    }

    private void OnStatus(SessionRuntime runtime)
    {
        switch (runtime.Sandbox?.Status)
        {
            case SandboxStatus.Starting:
                Dim(0, "starting the sandbox…");
                break;
            case SandboxStatus.Unhealthy:
                Line(0, "! the sandbox is unhealthy", Color.Yellow);
                break;
        }
    }

    private void OnFile(FileEvent file)
    {
        var (mark, verb) = file switch
        {
            FileCreatedEvent => ("+", "created"),
            FileModifiedEvent => ("~", "modified"),
            _ => ("-", "deleted"),
        };
        Dim(0, file is FileDeletedEvent ? $"{mark} {file.Path} {verb}" : $"{mark} {file.Path} {verb} ({FormatSize(file.Size)})");
    }

    private void WriteUsage()
    {
        if (_metadata is not { } now)
        {
            return;
        }

        var before = _turnStartMetadata ?? new SessionMetadata();
        var input = now.Usage.InputTokens - before.Usage.InputTokens;
        var output = now.Usage.OutputTokens - before.Usage.OutputTokens;
        var cached = now.Usage.CacheReadInputTokens - before.Usage.CacheReadInputTokens;
        var cost = now.CostUsd - before.CostUsd;
        var parts = new List<string> { $"{N(input)} in", $"{N(output)} out" };
        if (cached > 0)
        {
            parts.Add($"{N(cached)} cached");
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"${cost:0.0000}"));
        if (before.CostUsd > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"session ${now.CostUsd:0.0000}"));
        }

        if (now.Model is { } model)
        {
            parts.Add(model);
        }

        Dim(0, $"─ {string.Join(" · ", parts)}");
        _turnStartMetadata = now;

        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }

    private void Stream(string conversationId, string blockId, string text)
    {
        _streamed[blockId] = _streamed.GetValueOrDefault(blockId, "") + text;
        if (text.Length == 0)
        {
            return;
        }

        var depth = DepthOf(conversationId);
        if (_lineOwner != blockId)
        {
            StartLine(depth, blockId);
        }

        // Each line of the text starts at the thread's indent; a trailing newline leaves the next indent for later.
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                WriteRaw("\n");
                _lineOpen = false;
            }

            if (lines[i].Length > 0)
            {
                if (!_lineOpen)
                {
                    WriteRaw(string.Concat(Enumerable.Repeat(Indent, depth)));
                }

                WriteRaw(lines[i]);
                _lineOpen = true;
            }
        }
    }

    private void StartLine(int depth, string? owner)
    {
        EndLine();
        _lineOwner = owner;
        if (owner is not null && depth > 0)
        {
            WriteRaw(string.Concat(Enumerable.Repeat(Indent, depth)));
            _lineOpen = true;
        }
    }

    private void Line(int depth, string text, Color color) => Line(depth, text, new Style(color));

    private void Dim(int depth, string text) => Line(depth, text, new Style(decoration: Decoration.Dim));

    private void Line(int depth, string text, Style style)
    {
        EndLine();
        WriteRaw(string.Concat(Enumerable.Repeat(Indent, depth)));
        Write(text, style);
        WriteRaw("\n");
        _lineOpen = false;
    }

    private void Write(string text, Style style)
    {
        _console.Write(new Text(text, style));
        _lineOpen = true;
        _wroteAnything = true;
    }

    private void WriteRaw(string text)
    {
        if (text.Length > 0)
        {
            _console.Profile.Out.Writer.Write(text);
            _wroteAnything = true;
        }
    }

    private static string Label(string name, string input) => input.Length == 0 ? name : $"{name}  {input}";

    private static string Describe(Approvals.PermissionMode? mode) => mode switch
    {
        Approvals.PermissionMode.Ask => "ask",
        Approvals.PermissionMode.Rules => "rules",
        Approvals.PermissionMode.Bypass => "bypass",
        _ => "the profile's",
    };

    private static string FormatDuration(long ms) =>
        ms < 1000 ? $"{ms} ms" : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.0} s");

    private static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
    };
}
