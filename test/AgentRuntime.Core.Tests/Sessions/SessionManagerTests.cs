using System.Collections.Concurrent;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;

namespace AgentRuntime.Core.Tests.Sessions;

public sealed class SessionManagerTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = SessionHarness.Timeout;
    private readonly SessionHarness _harness = new();

    private SessionManager Manager => _harness.Manager;

    [Fact]
    public async Task IdleSandbox_AfterTheTimeout_IsClosedAndTheNextMessageRestoresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);
        var sandboxDirectory = Path.Combine(_harness.DataDirectory, "sandboxes", session.SessionId);
        Assert.True(Directory.Exists(sandboxDirectory));

        _harness.Time.Advance(TimeSpan.FromMinutes(6));
        await WaitUntilAsync(() => events.OfType<StatusEvent>().Any(e => e.Runtime.Sandbox?.Status == SandboxStatus.Terminated), ct);
        Assert.False(Directory.Exists(sandboxDirectory));

        await SendAndWaitAsync(session.SessionId, "two", events, ct);

        Assert.Equal(
            [SandboxStatus.Starting, SandboxStatus.Ready, SandboxStatus.Terminated, SandboxStatus.Starting, SandboxStatus.Ready],
            events.OfType<StatusEvent>().Select(e => e.Runtime.Sandbox!.Status));
        Assert.Equal(1, events.OfType<StatusEvent>().Last().Runtime.Sandbox!.RestartCount);
        var detail = await Manager.GetSessionAsync(session.SessionId, ct);
        Assert.Equal("echo #2: two", detail.Blocks.OfType<AssistantTextBlock>().Last().Content);
        Assert.Equal(["turn-1.txt", "turn-2.txt"], detail.WorkspaceFiles.Select(f => f.Path));
        Assert.Equal(2, _harness.Architecture.Connections);
    }

    [Fact]
    public async Task HealthCheck_AfterTheAgentDiedBetweenTurns_MarksTheSandboxUnhealthyAndRetiresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);

        _harness.Architecture.CrashAll();
        _harness.Time.Advance(_harness.Options.HealthCheckInterval);

        await WaitUntilAsync(() => events.OfType<StatusEvent>().Any(e => e.Runtime.Sandbox?.Status == SandboxStatus.Terminated), ct);
        Assert.Equal(
            [SandboxStatus.Starting, SandboxStatus.Ready, SandboxStatus.Unhealthy, SandboxStatus.Terminated],
            events.OfType<StatusEvent>().Select(e => e.Runtime.Sandbox!.Status));
        await SendAndWaitAsync(session.SessionId, "two", events, ct);
        Assert.Equal(1, events.OfType<StatusEvent>().Last().Runtime.Sandbox!.RestartCount);
    }

    [Fact]
    public async Task SandboxBeforeTheTimeout_StaysOpenAcrossTurns()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);

        _harness.Time.Advance(TimeSpan.FromMinutes(4));
        await SendAndWaitAsync(session.SessionId, "two", events, ct);

        Assert.DoesNotContain(events.OfType<StatusEvent>(), e => e.Runtime.Sandbox?.Status == SandboxStatus.Terminated);
        Assert.Equal(1, _harness.Architecture.Connections);
    }

    [Fact]
    public async Task Unload_ThenGet_ReloadsTheSameBlocksFromTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);
        var before = await Manager.GetSessionAsync(session.SessionId, ct);

        await Manager.DisposeAsync();
        var after = await Manager.GetSessionAsync(session.SessionId, ct);

        Assert.Equal(before.Blocks.Select(b => b.Id), after.Blocks.Select(b => b.Id));
        Assert.Equal(before.LastSeq + 2, after.LastSeq);
        Assert.False((await Manager.ListSessionsAsync(null, ct)).Single().Runtime.Sandbox is { Status: SandboxStatus.Ready });
    }

    [Fact]
    public async Task Load_SessionWithTranscriptButNoLog_ImportsBlocksFromTheTranscript()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        await Manager.DisposeAsync();
        await _harness.Store.DeleteSessionAsync(session.SessionId, ct);
        await _harness.Store.CreateSessionAsync(new SessionRecord
        {
            SessionId = session.SessionId, Architecture = "echo", AgentProfileRef = "default", CreatedAt = _harness.Time.GetUtcNow(), LastActivity = _harness.Time.GetUtcNow(),
        }, ct);
        await _harness.Store.AppendTranscriptAsync(session.SessionId, EchoArchitecture.TranscriptPath, "first\nsecond\n"u8.ToArray(), ct);

        var detail = await Manager.GetSessionAsync(session.SessionId, ct);

        Assert.Equal(["first", "second"], detail.Blocks.OfType<UserMessageBlock>().Select(b => b.Content));
        Assert.Equal(2, detail.LastSeq);
    }

    [Fact]
    public async Task SendMessage_WhileATurnRuns_ThrowsTurnInProgress()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);

        var first = Manager.SendMessageAsync(session.SessionId, "one", ct);
        var second = Manager.SendMessageAsync(session.SessionId, "two", ct);

        await first;
        await Assert.ThrowsAsync<TurnInProgressException>(() => second);
    }

    [Fact]
    public async Task ListSessionsPage_ALoadedSessionActiveSinceItWasStored_ShowsItLiveAndPagesByItsStoredPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        var oldest = await CreateSessionAsync(ct);
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        var middle = await CreateSessionAsync(ct);
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        var newest = await CreateSessionAsync(ct);
        await Manager.DisposeAsync();

        // Loaded again, and written to: its live activity is now, its stored one still a minute after the oldest.
        _harness.Time.Advance(TimeSpan.FromMinutes(10));
        await Manager.GetSessionAsync(middle.SessionId, ct);
        await Manager.WriteFileAsync(middle.SessionId, "note.txt", new MemoryStream("hi"u8.ToArray()), ct);

        var first = await Manager.ListSessionsPageAsync(null, 2, after: null, ct);
        var second = await Manager.ListSessionsPageAsync(null, 2, first.Next, ct);
        var whole = await Manager.ListSessionsAsync(null, ct);

        Assert.Equal([middle.SessionId, newest.SessionId], first.Sessions.Select(s => s.SessionId));
        Assert.Equal([(true, _harness.Time.GetUtcNow()), (false, newest.LastActivity)], first.Sessions.Select(s => (s.Runtime.IsLoaded, s.LastActivity)));
        Assert.Equal(new SessionListPosition(middle.LastActivity.UtcTicks, middle.SessionId), first.Next);
        Assert.Equal([oldest.SessionId], second.Sessions.Select(s => s.SessionId));
        Assert.Null(second.Next);
        Assert.Equal([middle.SessionId, newest.SessionId, oldest.SessionId], whole.Select(s => s.SessionId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Manager.ListSessionsPageAsync(null, 0, after: null, ct));
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private Task<SessionListItem> CreateSessionAsync(CancellationToken ct) => _harness.CreateSessionAsync(ct);

    private ConcurrentQueue<SessionEvent> Collect(string sessionId, CancellationToken ct) => _harness.Collect(sessionId, ct);

    private Task SendAndWaitAsync(string sessionId, string content, ConcurrentQueue<SessionEvent> events, CancellationToken ct) =>
        _harness.SendAndWaitAsync(sessionId, content, events, ct);

    private static Task WaitUntilAsync(Func<bool> condition, CancellationToken ct) => SessionHarness.WaitUntilAsync(condition, ct);
}
