using System.Collections.Concurrent;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes.Local;
using AgentRuntime.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRuntime.Core.Tests.Sessions;

public sealed class SessionManagerTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agent-runtime-core-tests-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryAgentStore _store = new();
    private readonly EchoArchitecture _architecture = new();
    private readonly AgentRuntimeOptions _options;
    private readonly SessionManager _manager;

    public SessionManagerTests()
    {
        _options = new AgentRuntimeOptions
        {
            DataDirectory = _dataDirectory,
            SandboxIdleTimeout = TimeSpan.FromMinutes(5),
            SessionIdleTimeout = TimeSpan.FromMinutes(30),
            HealthCheckInterval = TimeSpan.FromMinutes(1),
        };
        var sandboxes = new LocalSandboxProvider(Options.Create(new LocalSandboxOptions()), Options.Create(_options), NullLogger<LocalSandboxProvider>.Instance);
        _manager = new SessionManager(new SessionServices(
            _store, sandboxes, null, new Dictionary<string, IAgentArchitecture> { ["echo"] = _architecture }, _time, _options, new SessionListFeed(), new TenantQuotas(new TenantLimitOptions(), _store), new EventCommitter(_store), NullLoggerFactory.Instance));
    }

    [Fact]
    public async Task IdleSandbox_AfterTheTimeout_IsClosedAndTheNextMessageRestoresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);
        var sandboxDirectory = Path.Combine(_dataDirectory, "sandboxes", session.SessionId);
        Assert.True(Directory.Exists(sandboxDirectory));

        _time.Advance(TimeSpan.FromMinutes(6));
        await WaitUntilAsync(() => events.OfType<StatusEvent>().Any(e => e.Runtime.Sandbox?.Status == SandboxStatus.Terminated), ct);
        Assert.False(Directory.Exists(sandboxDirectory));

        await SendAndWaitAsync(session.SessionId, "two", events, ct);

        Assert.Equal(
            [SandboxStatus.Starting, SandboxStatus.Ready, SandboxStatus.Terminated, SandboxStatus.Starting, SandboxStatus.Ready],
            events.OfType<StatusEvent>().Select(e => e.Runtime.Sandbox!.Status));
        Assert.Equal(1, events.OfType<StatusEvent>().Last().Runtime.Sandbox!.RestartCount);
        var detail = await _manager.GetSessionAsync(session.SessionId, ct);
        Assert.Equal("echo #2: two", detail.Blocks.OfType<AssistantTextBlock>().Last().Content);
        Assert.Equal(["turn-1.txt", "turn-2.txt"], detail.WorkspaceFiles.Select(f => f.Path));
        Assert.Equal(2, _architecture.Connections);
    }

    [Fact]
    public async Task HealthCheck_AfterTheAgentDiedBetweenTurns_MarksTheSandboxUnhealthyAndRetiresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);

        _architecture.CrashAll();
        _time.Advance(_options.HealthCheckInterval);

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

        _time.Advance(TimeSpan.FromMinutes(4));
        await SendAndWaitAsync(session.SessionId, "two", events, ct);

        Assert.DoesNotContain(events.OfType<StatusEvent>(), e => e.Runtime.Sandbox?.Status == SandboxStatus.Terminated);
        Assert.Equal(1, _architecture.Connections);
    }

    [Fact]
    public async Task Unload_ThenGet_ReloadsTheSameBlocksFromTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        var events = Collect(session.SessionId, ct);
        await SendAndWaitAsync(session.SessionId, "one", events, ct);
        var before = await _manager.GetSessionAsync(session.SessionId, ct);

        await _manager.DisposeAsync();
        var after = await _manager.GetSessionAsync(session.SessionId, ct);

        Assert.Equal(before.Blocks.Select(b => b.Id), after.Blocks.Select(b => b.Id));
        Assert.Equal(before.LastSeq + 2, after.LastSeq);
        Assert.False((await _manager.ListSessionsAsync(null, ct)).Single().Runtime.Sandbox is { Status: SandboxStatus.Ready });
    }

    [Fact]
    public async Task Load_SessionWithTranscriptButNoLog_ImportsBlocksFromTheTranscript()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);
        await _manager.DisposeAsync();
        await _store.DeleteSessionAsync(session.SessionId, ct);
        await _store.CreateSessionAsync(new SessionRecord
        {
            SessionId = session.SessionId, Architecture = "echo", AgentProfileRef = "default", CreatedAt = _time.GetUtcNow(), LastActivity = _time.GetUtcNow(),
        }, ct);
        await _store.AppendTranscriptAsync(session.SessionId, EchoArchitecture.TranscriptPath, "first\nsecond\n"u8.ToArray(), ct);

        var detail = await _manager.GetSessionAsync(session.SessionId, ct);

        Assert.Equal(["first", "second"], detail.Blocks.OfType<UserMessageBlock>().Select(b => b.Content));
        Assert.Equal(2, detail.LastSeq);
    }

    [Fact]
    public async Task SendMessage_WhileATurnRuns_ThrowsTurnInProgress()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await CreateSessionAsync(ct);

        var first = _manager.SendMessageAsync(session.SessionId, "one", ct);
        var second = _manager.SendMessageAsync(session.SessionId, "two", ct);

        await first;
        await Assert.ThrowsAsync<TurnInProgressException>(() => second);
    }

    [Fact]
    public async Task ListSessionsPage_ALoadedSessionActiveSinceItWasStored_ShowsItLiveAndPagesByItsStoredPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        var oldest = await CreateSessionAsync(ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        var middle = await CreateSessionAsync(ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        var newest = await CreateSessionAsync(ct);
        await _manager.DisposeAsync();

        // Loaded again, and written to: its live activity is now, its stored one still a minute after the oldest.
        _time.Advance(TimeSpan.FromMinutes(10));
        await _manager.GetSessionAsync(middle.SessionId, ct);
        await _manager.WriteFileAsync(middle.SessionId, "note.txt", new MemoryStream("hi"u8.ToArray()), ct);

        var first = await _manager.ListSessionsPageAsync(null, 2, after: null, ct);
        var second = await _manager.ListSessionsPageAsync(null, 2, first.Next, ct);
        var whole = await _manager.ListSessionsAsync(null, ct);

        Assert.Equal([middle.SessionId, newest.SessionId], first.Sessions.Select(s => s.SessionId));
        Assert.Equal([(true, _time.GetUtcNow()), (false, newest.LastActivity)], first.Sessions.Select(s => (s.Runtime.IsLoaded, s.LastActivity)));
        Assert.Equal(new SessionListPosition(middle.LastActivity.UtcTicks, middle.SessionId), first.Next);
        Assert.Equal([oldest.SessionId], second.Sessions.Select(s => s.SessionId));
        Assert.Null(second.Next);
        Assert.Equal([middle.SessionId, newest.SessionId, oldest.SessionId], whole.Select(s => s.SessionId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _manager.ListSessionsPageAsync(null, 0, after: null, ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _manager.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private async Task<SessionListItem> CreateSessionAsync(CancellationToken ct)
    {
        // The echo agent answers by itself: its sandbox needs no model, so no gateway and no network.
        await _store.SaveProfileAsync(new AgentProfile { Id = "default", Name = "Default", Network = Sandboxes.SandboxNetworkPolicy.None }, ct);
        return await _manager.CreateSessionAsync(new CreateSessionRequest { AgentProfileRef = "default", Architecture = "echo" }, ct);
    }

    // A ConcurrentQueue, because the test enumerates it while the subscription adds to it.
    private ConcurrentQueue<SessionEvent> Collect(string sessionId, CancellationToken ct)
    {
        var events = new ConcurrentQueue<SessionEvent>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in _manager.SubscribeAsync(sessionId, 0, ct))
            {
                events.Enqueue(e);
            }
        }, ct);
        return events;
    }

    private async Task SendAndWaitAsync(string sessionId, string content, ConcurrentQueue<SessionEvent> events, CancellationToken ct)
    {
        var turnId = await _manager.SendMessageAsync(sessionId, content, ct).WaitAsync(Timeout, ct);
        await WaitUntilAsync(() => events.OfType<TurnCompletedEvent>().Any(e => e.TurnId == turnId), ct);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            if (condition())
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a condition");
            await Task.Delay(10, ct);
        }
    }
}
