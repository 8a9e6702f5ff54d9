namespace AgentRuntime.Sessions;

/// <summary>No session has the given id.</summary>
/// <param name="sessionId">The id that was asked for.</param>
public sealed class SessionNotFoundException(string sessionId) : Exception($"Session '{sessionId}' was not found.")
{
    /// <summary>The id that was asked for.</summary>
    public string SessionId { get; } = sessionId;
}

/// <summary>A message was sent while the session was still answering the previous one.</summary>
/// <param name="sessionId">The busy session.</param>
public sealed class TurnInProgressException(string sessionId) : Exception($"Session '{sessionId}' is already answering a message; wait for the turn to end.")
{
    /// <summary>The busy session.</summary>
    public string SessionId { get; } = sessionId;
}

/// <summary>A subscriber read events more slowly than the session produced them and was dropped.</summary>
/// <param name="lastDeliveredSeq">The last sequence number it was given; resubscribe after it.</param>
public sealed class SubscriberLaggedException(long lastDeliveredSeq)
    : Exception($"The subscriber fell behind the session's events; resubscribe after seq {lastDeliveredSeq}.")
{
    /// <summary>The last sequence number delivered before the subscription was dropped.</summary>
    public long LastDeliveredSeq { get; } = lastDeliveredSeq;
}
