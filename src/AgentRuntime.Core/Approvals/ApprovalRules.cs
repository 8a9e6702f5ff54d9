using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRuntime.Approvals;

/// <summary>
/// Decides a tool call without asking, when the session's permissions can: deny rules first, then allow rules (the
/// policy's, the profile's allowed tools, what answers allowed for the rest of the session), then the mode (in
/// <see cref="PermissionMode.Ask"/>, tools that only read run). <see langword="null"/>: a person must answer.
/// </summary>
internal sealed partial class ApprovalRules(PermissionMode mode, IReadOnlyList<string> allow, IReadOnlyList<string> deny)
{
    // Tools that read and change nothing, by the names the agents give them (Claude Code's, and ACP's tool kinds).
    private static readonly HashSet<string> ReadOnlyTools = new(StringComparer.OrdinalIgnoreCase)
    {
        "Read", "Glob", "Grep", "LS", "NotebookRead", "TodoWrite", "read_file", "read_many_files", "list_directory", "glob", "search_file_content",
    };

    private static readonly HashSet<string> ReadOnlyKinds = new(StringComparer.OrdinalIgnoreCase) { "read", "search", "think" };

    // The argument a rule's pattern is matched against, in the order looked for.
    private static readonly string[] MainArguments = ["command", "file_path", "path", "absolute_path", "notebook_path", "url", "pattern", "query"];

    public PermissionMode Mode => mode;

    /// <summary>The decision the rules make, or <see langword="null"/> when a person must answer.</summary>
    public ToolApprovalDecision? Decide(ToolApprovalRequest request)
    {
        if (mode == PermissionMode.Bypass)
        {
            return new ToolApprovalDecision { Allow = true };
        }

        if (deny.FirstOrDefault(rule => Matches(rule, request)) is { } denied)
        {
            return new ToolApprovalDecision { Allow = false, Message = $"The session's permissions deny this tool call (rule '{denied}')." };
        }

        if (allow.Any(rule => Matches(rule, request)))
        {
            return new ToolApprovalDecision { Allow = true };
        }

        return mode == PermissionMode.Ask && (ReadOnlyTools.Contains(request.ToolName) || request.ToolKind is { } kind && ReadOnlyKinds.Contains(kind))
            ? new ToolApprovalDecision { Allow = true }
            : null;
    }

    /// <summary>Whether a rule (<c>Tool</c> or <c>Tool(pattern)</c>) covers a tool call.</summary>
    public static bool Matches(string rule, ToolApprovalRequest request)
    {
        var open = rule.IndexOf('(', StringComparison.Ordinal);
        var name = open < 0 ? rule.Trim() : rule[..open].Trim();
        if (!string.Equals(name, request.ToolName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (open < 0)
        {
            return true;
        }

        if (!rule.EndsWith(')'))
        {
            return false;
        }

        var pattern = rule[(open + 1)..^1];
        return MainArgument(request.Input) is { } argument && Glob(pattern).IsMatch(argument);
    }

    /// <summary>Whether a rule is well formed: a tool name, optionally with a pattern in parentheses.</summary>
    public static bool IsValid(string rule) =>
        rule.Length is > 0 and <= 512 && RuleShape().IsMatch(rule);

    private static string? MainArgument(JsonElement input) =>
        input.ValueKind != JsonValueKind.Object ? null
        : MainArguments.Select(name => input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null)
            .FirstOrDefault(value => value is not null);

    // "*" is any run of characters (slashes included); everything else is literal; the whole argument must match. The
    // non-backtracking engine keeps a pattern of many stars linear in the argument.
    private static Regex Glob(string pattern) =>
        new("^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    [GeneratedRegex(@"^[A-Za-z0-9_.:\-]+(\(.+\))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex RuleShape();
}
