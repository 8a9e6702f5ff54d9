using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

/// <summary>
/// A session deleted or unloaded in the middle of a turn gives its tenant back the turn and the sandbox it held: with
/// a limit of one, another session of the tenant can run a turn right after. Each turn is held either while its
/// sandbox starts (no sandbox open yet) or in the agent (sandbox running).
/// </summary>
public sealed class TenantLeaseTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Each test sets its limit first thing: the quotas read a tenant's limits when it first takes a turn or a sandbox.
    // The harness's fake clock is never advanced: no idle timer closes a sandbox or unloads a session behind their back.
    private readonly TenantLimitOptions _limits = new();
    private readonly SessionHarness _harness;
    private HoldingSandboxProvider _sandboxes = null!;

    public TenantLeaseTests() =>
        _harness = new SessionHarness(limits: _limits, sandboxes: local => _sandboxes = new HoldingSandboxProvider(local));

    private SessionManager Manager => _harness.Manager;

    [Theory]
    [InlineData(TurnHold.SandboxStart)]
    [InlineData(TurnHold.Agent)]
    public async Task Delete_WhileATurnRuns_GivesTheTenantItsTurnBack(TurnHold hold)
    {
        var ct = TestContext.Current.CancellationToken;
        _limits.MaxRunningTurns = 1;
        var (held, other) = await HoldATurnAsync(hold, nameof(TenantLimitOptions.MaxRunningTurns), ct);

        Assert.True(await Manager.DeleteSessionAsync(held, ct).WaitAsync(Timeout, ct));

        await RunATurnAsync(other, ct);
    }

    [Theory]
    [InlineData(TurnHold.SandboxStart)]
    [InlineData(TurnHold.Agent)]
    public async Task Delete_WhileATurnRuns_GivesTheTenantItsSandboxBack(TurnHold hold)
    {
        var ct = TestContext.Current.CancellationToken;
        _limits.MaxLiveSandboxes = 1;
        var (held, other) = await HoldATurnAsync(hold, nameof(TenantLimitOptions.MaxLiveSandboxes), ct);

        Assert.True(await Manager.DeleteSessionAsync(held, ct).WaitAsync(Timeout, ct));

        await RunATurnAsync(other, ct);
    }

    [Theory]
    [InlineData(TurnHold.SandboxStart)]
    [InlineData(TurnHold.Agent)]
    public async Task Unload_WhileATurnRuns_GivesTheTenantItsTurnBack(TurnHold hold)
    {
        var ct = TestContext.Current.CancellationToken;
        _limits.MaxRunningTurns = 1;
        var (held, other) = await HoldATurnAsync(hold, nameof(TenantLimitOptions.MaxRunningTurns), ct);

        await UnloadAllAsync(ct);

        Assert.True(await Manager.SessionExistsAsync(held, ct).WaitAsync(Timeout, ct));
        await RunATurnAsync(other, ct);
    }

    [Theory]
    [InlineData(TurnHold.SandboxStart)]
    [InlineData(TurnHold.Agent)]
    public async Task Unload_WhileATurnRuns_GivesTheTenantItsSandboxBack(TurnHold hold)
    {
        var ct = TestContext.Current.CancellationToken;
        _limits.MaxLiveSandboxes = 1;
        var (held, other) = await HoldATurnAsync(hold, nameof(TenantLimitOptions.MaxLiveSandboxes), ct);

        await UnloadAllAsync(ct);

        Assert.True(await Manager.SessionExistsAsync(held, ct).WaitAsync(Timeout, ct));
        await RunATurnAsync(other, ct);
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    /// <summary>
    /// Creates two sessions of the default tenant and starts a turn in the first that waits at <paramref name="hold"/>;
    /// checks that the tenant is then at <paramref name="limit"/>, so that what follows is about getting it back.
    /// </summary>
    private async Task<(string Held, string Other)> HoldATurnAsync(TurnHold hold, string limit, CancellationToken ct)
    {
        var held = await CreateSessionAsync(ct);
        var other = await CreateSessionAsync(ct);
        _sandboxes.Hold(held, hold);
        await Manager.SendMessageAsync(held, "hold on", ct).WaitAsync(Timeout, ct);
        await _sandboxes.Reached.WaitAsync(Timeout, ct);

        var refused = await Assert.ThrowsAsync<LimitExceededException>(() => Manager.SendMessageAsync(other, "too many", ct).WaitAsync(Timeout, ct));
        Assert.Equal(limit, refused.Limit);
        return (held, other);
    }

    /// <summary>
    /// Unloads the sessions as the server does at shutdown. The periodic unload passes a session with a running turn by
    /// (it is not idle), so unloading every session is the way a turn gets cut off by an unload; the manager stays usable.
    /// </summary>
    private async Task UnloadAllAsync(CancellationToken ct) => await Manager.DisposeAsync().AsTask().WaitAsync(Timeout, ct);

    /// <summary>Runs a whole turn in <paramref name="sessionId"/>: its message accepted, a sandbox started, the answer logged.</summary>
    private async Task RunATurnAsync(string sessionId, CancellationToken ct)
    {
        var turnId = await Manager.SendMessageAsync(sessionId, "my turn", ct).WaitAsync(Timeout, ct);
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var events = await Manager.ReadEventsAsync(sessionId, 0, ct).WaitAsync(Timeout, ct);
            Assert.DoesNotContain(events, e => e is TurnFailedEvent failed && failed.TurnId == turnId);
            if (events.Any(e => e is TurnCompletedEvent completed && completed.TurnId == turnId))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"turn {turnId} did not complete within {Timeout.TotalSeconds} s");
            await Task.Delay(10, ct);
        }
    }

    private async Task<string> CreateSessionAsync(CancellationToken ct)
    {
        // The echo agent answers by itself: its sandbox needs no model, so no gateway and no network.
        await _harness.Store.SaveProfileAsync(new AgentProfile { Id = "default", Name = "Default", Network = Sandboxes.SandboxNetworkPolicy.None }, ct);
        return (await Manager.CreateSessionAsync(new CreateSessionRequest { AgentProfileRef = "default", Architecture = "echo" }, ct).WaitAsync(Timeout, ct)).SessionId;
    }
}
