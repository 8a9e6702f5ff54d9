using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;

namespace AgentRuntime.Sessions;

/// <summary>
/// Counts what each tenant holds against <see cref="TenantLimitOptions"/>: its stored sessions, running turns and live
/// sandboxes. Turns and sandboxes are leases of a per-tenant concurrency limiter (no queue: a request over the limit
/// fails at once); the session count comes from the store, checked and created one at a time per tenant.
/// </summary>
internal sealed class TenantQuotas : IDisposable
{
    // Hints for Retry-After: a turn or a sandbox frees up on its own; a session only when the tenant deletes one.
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FullRetryAfter = TimeSpan.FromSeconds(60);

    private readonly TenantLimitOptions _options;
    private readonly IAgentStore _store;
    private readonly PartitionedRateLimiter<string> _turns;
    private readonly PartitionedRateLimiter<string> _sandboxes;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _creating = new(StringComparer.Ordinal);

    public TenantQuotas(TenantLimitOptions options, IAgentStore store)
    {
        _options = options;
        _store = store;
        _turns = PerTenant(tenant => options.For(tenant).MaxRunningTurns);
        _sandboxes = PerTenant(tenant => options.For(tenant).MaxLiveSandboxes);
    }

    /// <summary>
    /// Holds the tenant's creation slot while a session is created: throws when the tenant has as many sessions as it
    /// may. Dispose the slot once the session is stored.
    /// </summary>
    /// <exception cref="LimitExceededException">The tenant is at <see cref="TenantLimitOptions.MaxSessions"/>.</exception>
    public async Task<IAsyncDisposable> ReserveSessionAsync(string tenantId, CancellationToken cancellationToken)
    {
        var gate = _creating.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var max = _options.For(tenantId).MaxSessions;
            if (await _store.CountSessionsAsync(tenantId, cancellationToken).ConfigureAwait(false) >= max)
            {
                throw new LimitExceededException(nameof(TenantLimitOptions.MaxSessions), tenantId, max, FullRetryAfter);
            }

            return new Release(gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>A running-turn lease for the tenant; dispose it when the turn ends.</summary>
    /// <exception cref="LimitExceededException">The tenant is at <see cref="TenantLimitOptions.MaxRunningTurns"/>.</exception>
    public RateLimitLease AcquireTurn(string tenantId) =>
        Acquire(_turns, tenantId, nameof(TenantLimitOptions.MaxRunningTurns), _options.For(tenantId).MaxRunningTurns);

    /// <summary>A live-sandbox lease for the tenant; dispose it when the sandbox is gone.</summary>
    /// <exception cref="LimitExceededException">The tenant is at <see cref="TenantLimitOptions.MaxLiveSandboxes"/>.</exception>
    public RateLimitLease AcquireSandbox(string tenantId) =>
        Acquire(_sandboxes, tenantId, nameof(TenantLimitOptions.MaxLiveSandboxes), _options.For(tenantId).MaxLiveSandboxes);

    public void Dispose()
    {
        _turns.Dispose();
        _sandboxes.Dispose();
    }

    private static PartitionedRateLimiter<string> PerTenant(Func<string, int> permits) =>
        PartitionedRateLimiter.Create<string, string>(tenant => RateLimitPartition.GetConcurrencyLimiter(tenant, t => new ConcurrencyLimiterOptions
        {
            PermitLimit = permits(t),
            QueueLimit = 0,
        }));

    private static RateLimitLease Acquire(PartitionedRateLimiter<string> limiter, string tenantId, string limit, int max)
    {
        var lease = limiter.AttemptAcquire(tenantId);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        throw new LimitExceededException(limit, tenantId, max, BusyRetryAfter);
    }

    private sealed class Release(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }
}
