using AgentRuntime.Gateway.Usage;
using Microsoft.Extensions.Time.Testing;

namespace AgentRuntime.Gateway.Tests.Usage;

public sealed class SessionUsageLedgerTests
{
    [Fact]
    public void Acquire_LaterLeaseWithStoredUsage_KeepsTheLargerOfEachCount()
    {
        var ledger = new SessionUsageLedger(new FakeTimeProvider());
        var first = ledger.Acquire("s", Usage(input: 100, output: 10, cost: 1m));
        first.Add(new TokenUsage { InputTokens = 50, OutputTokens = 5 }, 0.25m);

        var second = ledger.Acquire("s", Usage(input: 120, output: 40, cost: 1m));

        Assert.Same(first, second);
        Assert.Equal(new TokenUsage { InputTokens = 150, OutputTokens = 40 }, second.Usage.Tokens);
        Assert.Equal(1.25m, second.Usage.CostUsd);
    }

    [Fact]
    public void Acquire_SessionWithoutALeaseForADay_StartsAgainFromTheStoredUsage()
    {
        var time = new FakeTimeProvider();
        var ledger = new SessionUsageLedger(time);
        var account = ledger.Acquire("s", Usage(input: 100));
        account.Add(new TokenUsage { InputTokens = 50 }, 0m);
        ledger.Release(account);

        time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(150, ledger.Acquire("s", Usage(input: 10)).Usage.TotalTokens);
        ledger.Release(account);
        time.Advance(TimeSpan.FromHours(25));
        var later = ledger.Acquire("s", Usage(input: 10));

        Assert.Equal(10, later.Usage.TotalTokens);
        Assert.Equal(1, ledger.Count);
    }

    [Fact]
    public void Acquire_SessionStillLeased_IsNeverForgotten()
    {
        var time = new FakeTimeProvider();
        var ledger = new SessionUsageLedger(time);
        var account = ledger.Acquire("s", Usage(input: 100));

        time.Advance(TimeSpan.FromDays(30));
        ledger.Acquire("other", new ModelUsage());

        Assert.Same(account, ledger.Acquire("s", new ModelUsage()));
    }

    private static ModelUsage Usage(long input = 0, long output = 0, decimal cost = 0m) =>
        new() { Tokens = new TokenUsage { InputTokens = input, OutputTokens = output }, CostUsd = cost };
}
