namespace AgentRuntime.Client.Internal;

/// <summary>How long to wait before each resubscribe attempt, and how many failed attempts in a row to allow.</summary>
internal sealed class ReconnectPolicy(IReadOnlyList<TimeSpan> delays, int maxAttempts)
{
    public int MaxAttempts { get; } = maxAttempts;

    public TimeSpan DelayBefore(int attempt) => delays.Count == 0 ? TimeSpan.Zero : delays[Math.Min(attempt, delays.Count - 1)];
}
