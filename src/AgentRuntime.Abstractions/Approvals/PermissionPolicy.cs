using System.Text.Json.Serialization;

namespace AgentRuntime.Approvals;

/// <summary>
/// A profile's permissions: the mode and, for <see cref="PermissionMode.Rules"/>, which tool calls run and which are
/// refused without asking. A rule is a tool name (<c>Read</c>) or a tool name and a pattern for its main argument
/// (<c>Bash(git *)</c>, <c>Write(src/**)</c>): the command of a shell tool, the path of a file tool, the URL of a fetch;
/// <c>*</c> matches any run of characters. Deny rules win over allow rules.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PermissionPolicy
{
    /// <summary>The mode; <see cref="PermissionMode.Bypass"/> when the profile says none.</summary>
    public PermissionMode Mode { get; init; }

    /// <summary>Tool calls that run without asking.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];

    /// <summary>Tool calls refused without asking.</summary>
    public IReadOnlyList<string> Deny { get; init; } = [];
}
