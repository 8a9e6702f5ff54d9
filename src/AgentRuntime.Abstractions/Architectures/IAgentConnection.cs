using AgentRuntime.Events;

namespace AgentRuntime.Architectures;

/// <summary>A running agent in a sandbox, kept alive between turns. Disposing it stops the agent.</summary>
public interface IAgentConnection : IAsyncDisposable
{
    /// <summary>Completes when the agent process exits.</summary>
    Task Exited { get; }

    /// <summary>
    /// Sends the user's message and streams the events of the agent's answer until the turn ends, in batches: each
    /// batch is what the agent said since the previous one was taken, so a fast agent gives few large batches and a
    /// slow one many small ones, and the session's log appends each batch as one. The events have no sequence number
    /// yet; the log assigns it. The user's own message block is not among them. No batch is empty.
    /// </summary>
    /// <exception cref="AgentException">The turn failed; the message says why.</exception>
    IAsyncEnumerable<IReadOnlyList<SessionEvent>> RunTurnAsync(AgentTurn turn, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the agent to stop the running turn, as a person pressing stop would. The turn's stream then ends normally
    /// (not with an exception) with what the agent said until it stopped, and the agent stays ready for the next
    /// message. Does nothing when no turn runs. Completes once the request is sent, not when the turn has ended.
    /// </summary>
    Task InterruptAsync(CancellationToken cancellationToken);
}

/// <summary>One message to answer.</summary>
/// <param name="TurnId">The turn's id.</param>
/// <param name="Content">The user's message.</param>
public sealed record AgentTurn(string TurnId, string Content)
{
    /// <summary>
    /// Decides the agent's requests to run tools during the turn. <see langword="null"/>: every request is allowed
    /// (as when the agent runs with <see cref="Approvals.PermissionMode.Bypass"/>).
    /// </summary>
    public Approvals.IToolApprovals? Approvals { get; init; }

    /// <summary>Images sent with the message, for the model to see with <see cref="Content"/>.</summary>
    public IReadOnlyList<Blocks.MessageImage> Images { get; init; } = [];
}
