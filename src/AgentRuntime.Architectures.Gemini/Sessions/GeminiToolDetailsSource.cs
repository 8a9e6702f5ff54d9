using AgentRuntime.Architectures.Acp.Mapping;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Gemini.Sessions;

/// <summary>
/// Reads a finished tool call's input and output from the live session file: the CLI's ACP <c>tool_call_update</c>
/// leaves out a shell command's output and every call's arguments (0.61.0), while its session file, written right
/// after the update and before the model is asked again, has both.
/// </summary>
internal sealed class GeminiToolDetailsSource(ISandbox sandbox, string chatsDirectory, string sessionId) : IAcpToolDetailsSource
{
    public async Task<AcpToolDetails?> FindAsync(string toolCallId, CancellationToken cancellationToken)
    {
        foreach (var file in await GeminiSessionFiles.ReadAsync(sandbox, chatsDirectory, sessionId, cancellationToken).ConfigureAwait(false))
        {
            var conversation = GeminiConversation.Parse(file.Content, file.RelativePath);
            if (conversation.SessionId == sessionId && GeminiToolCalls.Find(conversation, toolCallId) is { } call)
            {
                return GeminiToolCalls.Details(call);
            }
        }

        return null;
    }
}
