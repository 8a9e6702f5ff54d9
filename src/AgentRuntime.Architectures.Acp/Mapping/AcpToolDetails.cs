using System.Text.Json.Nodes;

namespace AgentRuntime.Architectures.Acp.Mapping;

/// <summary>
/// What an agent recorded about a finished tool call beyond what ACP reported: its real input and output. Some agents
/// leave these out of <c>tool_call_update</c> (the Gemini CLI sends no output for shell commands), so an
/// architecture that can read them elsewhere supplies them through an <see cref="IAcpToolDetailsSource"/>.
/// </summary>
/// <param name="ToolName">The tool's name, when known.</param>
/// <param name="Input">The tool's input as the model gave it, when known.</param>
/// <param name="Output">The tool's output as text.</param>
/// <param name="IsError">Whether the tool failed.</param>
internal sealed record AcpToolDetails(string? ToolName, JsonObject? Input, string Output, bool IsError);

/// <summary>Finds the <see cref="AcpToolDetails"/> of a finished tool call, or <see langword="null"/> when not (yet) recorded.</summary>
internal interface IAcpToolDetailsSource
{
    Task<AcpToolDetails?> FindAsync(string toolCallId, CancellationToken cancellationToken);
}
