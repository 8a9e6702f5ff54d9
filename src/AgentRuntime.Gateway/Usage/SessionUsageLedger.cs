using AgentRuntime.Sessions;

namespace AgentRuntime.Gateway.Usage;

/// <summary>
/// The model usage of each session, as the proxy counted it, shared by the session's leases over time (a session
/// gets a new sandbox, and so a new lease, after an idle timeout or a restart of its agent). Kept in memory.
/// </summary>
/// <remarks>
/// A lease brings the session's stored usage (<see cref="SandboxGatewayRequest.InitialUsage"/>). The first lease of a
/// session starts the count from it; a later one merges it in by taking, for each count and the cost, the larger of
/// the two. Both are counts of the same calls (the stored one as the agent reported them, this one as the proxy saw
/// them), so adding them would count each call twice, while the larger never forgets a call either one saw: the
/// stored usage lags after an agent killed mid-turn, the proxy's after a restart of the server.
/// </remarks>
internal sealed class SessionUsageLedger(TimeProvider timeProvider)
{
    // A session without a lease keeps its count this long, so its next sandbox continues it; then the stored usage
    // the next lease brings is all there is.
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _accounts.Count;
            }
        }
    }

    /// <summary>Takes the session's account for a new lease; release it when the lease ends.</summary>
    public Account Acquire(string sessionId, ModelUsage initial)
    {
        lock (_lock)
        {
            Sweep();
            if (!_accounts.TryGetValue(sessionId, out var account))
            {
                account = new Account();
                _accounts.Add(sessionId, account);
            }

            account.Leases++;
            account.Merge(initial);
            return account;
        }
    }

    public void Release(Account account)
    {
        lock (_lock)
        {
            if (--account.Leases == 0)
            {
                account.ReleasedAt = timeProvider.GetUtcNow();
            }
        }
    }

    private void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        List<string>? expired = null;
        foreach (var (id, account) in _accounts)
        {
            if (account.Leases == 0 && now - account.ReleasedAt > Retention)
            {
                (expired ??= []).Add(id);
            }
        }

        foreach (var id in expired ?? [])
        {
            _accounts.Remove(id);
        }
    }

    /// <summary>One session's running total.</summary>
    internal sealed class Account
    {
        private readonly Lock _lock = new();
        private TokenUsage _tokens = new();
        private decimal _cost;

        public int Leases { get; set; }

        public DateTimeOffset ReleasedAt { get; set; }

        public ModelUsage Usage
        {
            get
            {
                lock (_lock)
                {
                    return new ModelUsage { Tokens = _tokens, CostUsd = _cost };
                }
            }
        }

        public void Add(TokenUsage tokens, decimal cost)
        {
            lock (_lock)
            {
                _tokens += tokens;
                _cost += cost;
            }
        }

        public void Merge(ModelUsage other)
        {
            lock (_lock)
            {
                _tokens = new TokenUsage
                {
                    InputTokens = Math.Max(_tokens.InputTokens, other.Tokens.InputTokens),
                    OutputTokens = Math.Max(_tokens.OutputTokens, other.Tokens.OutputTokens),
                    CacheCreationInputTokens = Math.Max(_tokens.CacheCreationInputTokens, other.Tokens.CacheCreationInputTokens),
                    CacheReadInputTokens = Math.Max(_tokens.CacheReadInputTokens, other.Tokens.CacheReadInputTokens),
                };
                _cost = Math.Max(_cost, other.CostUsd);
            }
        }
    }
}
