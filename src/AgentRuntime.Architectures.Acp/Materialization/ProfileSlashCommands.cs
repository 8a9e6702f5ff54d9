using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Acp.Materialization;

/// <summary>
/// The profile's slash commands, expanded by the runtime before a message reaches the agent: ACP has no way to give an
/// agent commands, and the Gemini CLI's ACP mode offers only its own built-in ones (0.61.0 loads no command files).
/// A message <c>/name rest</c> whose name is a profile command becomes the command's prompt with <c>$ARGUMENTS</c>
/// replaced by <c>rest</c>; a prompt without <c>$ARGUMENTS</c> gets <c>rest</c> appended after a blank line, as the
/// Gemini CLI does with a command file without <c>{{args}}</c>. Any other message goes as it is.
/// </summary>
internal static class ProfileSlashCommands
{
    public static string Expand(string message, IReadOnlyList<ProfileCommand>? commands)
    {
        var text = message.TrimStart();
        if (commands is not { Count: > 0 } || !text.StartsWith('/'))
        {
            return message;
        }

        var end = text.AsSpan(1).IndexOfAny(" \t\r\n");
        var name = end < 0 ? text[1..] : text[1..(end + 1)];
        var command = commands.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
        if (command is null)
        {
            return message;
        }

        var arguments = end < 0 ? "" : text[(end + 1)..].Trim();
        return command.Prompt.Contains("$ARGUMENTS", StringComparison.Ordinal)
            ? command.Prompt.Replace("$ARGUMENTS", arguments, StringComparison.Ordinal)
            : arguments.Length == 0 ? command.Prompt : $"{command.Prompt}\n\n{arguments}";
    }
}
