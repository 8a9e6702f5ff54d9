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

/// <summary>A tenant asked for more than its limits allow; nothing was created or started.</summary>
/// <param name="limit">The limit's name as configured, such as <c>MaxRunningTurns</c>.</param>
/// <param name="tenantId">The tenant.</param>
/// <param name="max">The limit's value.</param>
/// <param name="retryAfter">When trying again may succeed.</param>
public sealed class LimitExceededException(string limit, string tenantId, int max, TimeSpan retryAfter)
    : Exception($"Tenant '{tenantId}' is at its limit {limit} ({max}).")
{
    /// <summary>The limit's name as configured (<c>AgentRuntime:Limits:&lt;name&gt;</c>).</summary>
    public string Limit { get; } = limit;

    /// <summary>The limit's value.</summary>
    public int Max { get; } = max;

    /// <summary>When trying again may succeed.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A turn was to be interrupted while the session was not answering a message.</summary>
/// <param name="sessionId">The idle session.</param>
public sealed class NoTurnRunningException(string sessionId) : Exception($"Session '{sessionId}' is not answering a message; there is no turn to interrupt.")
{
    /// <summary>The idle session.</summary>
    public string SessionId { get; } = sessionId;
}

/// <summary>No approval of the session has the given id.</summary>
/// <param name="approvalId">The id that was asked for.</param>
public sealed class ApprovalNotFoundException(string approvalId) : Exception($"Approval '{approvalId}' was not found in this session.")
{
    /// <summary>The id that was asked for.</summary>
    public string ApprovalId { get; } = approvalId;
}

/// <summary>An approval was answered after it had been decided; the first decision stands.</summary>
/// <param name="approvalId">The approval.</param>
public sealed class ApprovalAlreadyResolvedException(string approvalId) : Exception($"Approval '{approvalId}' has already been decided; the first answer stands.")
{
    /// <summary>The approval.</summary>
    public string ApprovalId { get; } = approvalId;
}

/// <summary>
/// A subscription ended because its session was handed over to another node (the node it was loaded on is draining);
/// the cluster's subscription follows it there and goes on after the last event it delivered.
/// </summary>
/// <param name="sessionId">The session that moved.</param>
internal sealed class SessionMovedException(string sessionId) : Exception($"Session '{sessionId}' moved to another node.")
{
    /// <summary>The session that moved.</summary>
    public string SessionId { get; } = sessionId;
}

/// <summary>The session's node is stopping and loads no session; the cluster places it on another node shortly.</summary>
internal sealed class NodeStoppingException() : Exception("This node is stopping; the session is loaded on another node shortly.");
