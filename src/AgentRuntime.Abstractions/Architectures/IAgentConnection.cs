using AgentRuntime.Events;

namespace AgentRuntime.Architectures;

/// <summary>A running agent in a sandbox, kept alive between turns. Disposing it stops the agent.</summary>
public interface IAgentConnection : IAsyncDisposable
{
    /// <summary>Completes when the agent process exits.</summary>
    Task Exited { get; }

    /// <summary>
    /// Sends the user's message and streams the events of the agent's answer until the turn ends. The events have
    /// no sequence number yet; the session's log assigns it. The user's own message block is not among them.
    /// </summary>
    /// <exception cref="AgentException">The turn failed; the message says why.</exception>
    IAsyncEnumerable<SessionEvent> RunTurnAsync(AgentTurn turn, CancellationToken cancellationToken);
}

/// <summary>One message to answer.</summary>
/// <param name="TurnId">The turn's id.</param>
/// <param name="Content">The user's message.</param>
public sealed record AgentTurn(string TurnId, string Content);
