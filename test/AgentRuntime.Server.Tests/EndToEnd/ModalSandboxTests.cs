using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Persistence;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Testing;
using AgentRuntime.Testing.Modal;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>A Modal-compatible server for one test class, started before its hosts.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FakeModalFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("art-fake-modal-");

    public FakeModalServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await FakeModalServer.StartAsync(_directory.FullName);

    /// <summary>The settings of a host using the fake; each call names an image of its own, so every test builds one.</summary>
    public IDictionary<string, string?> Settings(string? secret = null) => new Dictionary<string, string?>
    {
        ["AgentRuntime:Modal:ImageCommands:0"] = "RUN echo image-" + Guid.NewGuid().ToString("N"),
        ["AgentRuntime:SandboxProvider"] = "modal",
        ["AgentRuntime:Modal:ServerUrl"] = Server.Address.ToString(),
        ["AgentRuntime:Modal:TokenId"] = Server.TokenId,
        ["AgentRuntime:Modal:TokenSecret"] = secret ?? Server.TokenSecret,
        ["AgentRuntime:Modal:RetryDelay"] = "00:00:00.020",
    };

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}

/// <summary>
/// The real Claude Code CLI, run by the real server in Modal sandboxes: the Modal provider talks to the
/// Modal-compatible fake, which runs each sandbox as a local bubblewrap sandbox.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModalSandboxTests(FakeModalFixture modal) : ServerTest, IClassFixture<FakeModalFixture>
{
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(120);

    private readonly IDictionary<string, string?> _settings = modal.Settings();

    protected override IDictionary<string, string?>? Settings => _settings;

    [Fact]
    public async Task Turn_InAModalSandbox_RunsTheToolStoresFileAndTranscript_AndTheNextTurnIsWarm()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        // A transient failure of an idempotent call is retried, unseen by the session.
        modal.Server.FailNext("AppGetOrCreate", StatusCode.Unavailable);
        Model.Enqueue(
            Reply.ToolUse("Write", new { file_path = "notes.md", content = "# Notes\nKIWI\n" }).WithText("Writing notes."),
            Reply.Text("Notes written."),
            Reply.Text("Second answer."));

        var turn1 = await Server.SendMessageAsync(session.SessionId, "Write notes with the word KIWI");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1, TurnTimeout);

        var created = Assert.Single(modal.Server.Created, c => c.Tags["agent-runtime.session"] == session.SessionId);
        // The image was built for this test: its build log reached the session while the sandbox started.
        Assert.Contains(hub.Events.OfType<StatusEvent>(), e => e.Runtime.Sandbox is { Status: Sessions.SandboxStatus.Starting, Progress: { Length: > 0 } });
        Assert.Null((await Server.GetSessionAsync(session.SessionId)).Runtime!.Sandbox!.Progress);
        Assert.Equal("default", created.Tags["agent-runtime.tenant"]);
        Assert.Contains(hub.Events.OfType<FileCreatedEvent>(), e => e.Path == "notes.md");
        var result = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Single();
        Assert.False(result.IsError);
        var detail = await Server.GetSessionAsync(session.SessionId);
        Assert.Contains(detail.WorkspaceFiles, f => f.Path == "notes.md");
        Assert.Equal(created.Id, detail.Runtime?.Sandbox?.SandboxId);
        var store = Server.App.Services.GetRequiredService<IAgentStore>();
        Assert.NotEmpty(await store.LoadTranscriptAsync(session.SessionId, TestContext.Current.CancellationToken));
        Assert.Equal(created.Id, (await store.GetSessionAsync(session.SessionId, TestContext.Current.CancellationToken))!.SandboxId);

        var creates = modal.Server.Calls("SandboxCreate");
        var turn2 = await Server.SendMessageAsync(session.SessionId, "Anything else?");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2, TurnTimeout);

        Assert.Equal(creates, modal.Server.Calls("SandboxCreate"));
        Assert.True(Model.ConversationRequests[^1].MessagesContain("Write notes with the word KIWI"));
        // The model key reached the model (the proxy swapped it in) and never the sandbox.
        Assert.Equal("sk-ant-test-key", Model.ConversationRequests[^1].Headers["x-api-key"]);
        Assert.DoesNotContain(modal.Server.Execs, e => e.Contains("sk-ant-test-key", StringComparison.Ordinal));

        // The relay path alone is worth nothing: an unknown key is 404, the sandbox's key without its token is 401.
        var relay = System.Text.RegularExpressions.Regex.Match(modal.Server.Execs.Last(e => e.Contains("ANTHROPIC_BASE_URL=", StringComparison.Ordinal)), "ANTHROPIC_BASE_URL=(\\S+)").Groups[1].Value;
        Assert.StartsWith(Server.BaseAddress.ToString().TrimEnd('/') + "/modal-relay/", relay, StringComparison.Ordinal);
        var modelCalls = Model.Requests.Count;
        using var anonymous = new HttpClient();
        using var unknown = await anonymous.PostAsync(new Uri(Server.BaseAddress, "/modal-relay/not-a-key/v1/messages"), new StringContent("{}"), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, relay + "/v1/messages") { Content = new StringContent("{}") };
        request.Headers.Add("x-api-key", "art-guessed");
        using var refused = await anonymous.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(modelCalls, Model.Requests.Count);
    }

    [Fact]
    public async Task ServerRestart_ReattachesToTheRunningSandbox_InsteadOfCreatingOne()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(
            Reply.ToolUse("Write", new { file_path = "notes.md", content = "PLUM\n" }).WithText("Writing."),
            Reply.Text("Written."),
            Reply.Text("Still here."));
        var turn1 = await Server.SendMessageAsync(session.SessionId, "Write PLUM into notes.md");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1, TurnTimeout);
        var sandboxId = (await Server.GetSessionAsync(session.SessionId)).Runtime!.Sandbox!.SandboxId;
        var creates = modal.Server.Calls("SandboxCreate");

        await RestartServerAsync();

        Assert.Contains(sandboxId, modal.Server.Running);
        var replay = await SubscribeHubAsync(session.SessionId);
        var turn2 = await Server.SendMessageAsync(session.SessionId, "Which word did you write?");
        await replay.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2, TurnTimeout);

        Assert.Equal(creates, modal.Server.Calls("SandboxCreate"));
        var after = await Server.GetSessionAsync(session.SessionId);
        Assert.Equal(sandboxId, after.Runtime!.Sandbox!.SandboxId);
        Assert.Equal(0, after.Runtime.Sandbox.RestartCount);
        Assert.True(Model.ConversationRequests[^1].MessagesContain("Write PLUM into notes.md"));
    }

    [Fact]
    public async Task ServerRestart_WithTheSandboxGone_ReplacesItWithTheConversationRestored()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);
        Model.Enqueue(
            Reply.ToolUse("Write", new { file_path = "notes.md", content = "FIG\n" }).WithText("Writing."),
            Reply.Text("Written."),
            Reply.ToolUse("Bash", new { command = "cat notes.md", description = "Read the notes" }),
            Reply.Text("It says FIG."));
        var turn1 = await Server.SendMessageAsync(session.SessionId, "Write FIG into notes.md");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn1, TurnTimeout);
        var lost = (await Server.GetSessionAsync(session.SessionId)).Runtime!.Sandbox!.SandboxId;

        // Gone before the restarted server looks for it: a session attaches only when a message needs its sandbox.
        await RestartServerAsync();
        await modal.Server.LoseAsync(lost);
        var replay = await SubscribeHubAsync(session.SessionId);
        var turn2 = await Server.SendMessageAsync(session.SessionId, "What do the notes say?");
        await replay.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn2, TurnTimeout);

        var after = await Server.GetSessionAsync(session.SessionId);
        Assert.NotEqual(lost, after.Runtime!.Sandbox!.SandboxId);
        Assert.Equal(1, after.Runtime.Sandbox.RestartCount);
        Assert.Contains(after.Runtime.Sandbox.SandboxId, modal.Server.Running);
        Assert.True(Model.ConversationRequests[^1].MessagesContain("Write FIG into notes.md"), "the transcript is restored into the new sandbox");
        var cat = replay.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ToolResultBlock>().Last();
        Assert.Contains("FIG", cat.Output, StringComparison.Ordinal);
    }
}

/// <summary>Profiles choosing their sandbox provider on a server whose default is Modal.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModalSandboxProfileTests(FakeModalFixture modal) : ServerTest, IClassFixture<FakeModalFixture>
{
    protected override IDictionary<string, string?>? Settings => modal.Settings();

    [Fact]
    public async Task Profile_ChoosingLocal_RunsLocally_AndAnUnknownProviderFailsClearly()
    {
        foreach (var (id, provider) in new[] { ("on-local", "local"), ("on-nowhere", "nowhere") })
        {
            using var created = await Server.Http.PostAsync("/api/profiles", new StringContent(
                "{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"sandbox\":{\"provider\":\"" + provider + "\"}}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            created.EnsureSuccessStatusCode();
        }

        var local = await Server.CreateSessionAsync(profile: "on-local");
        var hub = await SubscribeHubAsync(local.SessionId);
        Model.Enqueue(Reply.Text("Hello from a local sandbox."));
        var turn = await Server.SendMessageAsync(local.SessionId, "Hello");
        await hub.WaitForAsync<TurnCompletedEvent>(e => e.TurnId == turn, TimeSpan.FromSeconds(120));
        Assert.Equal(0, modal.Server.Calls("SandboxCreate"));
        Assert.StartsWith("local-", (await Server.GetSessionAsync(local.SessionId)).Runtime!.Sandbox!.SandboxId, StringComparison.Ordinal);

        var nowhere = await Server.CreateSessionAsync(profile: "on-nowhere");
        var events = await SubscribeHubAsync(nowhere.SessionId);
        var failed = await Server.SendMessageAsync(nowhere.SessionId, "Hello");
        await events.WaitForAsync<TurnFailedEvent>(e => e.TurnId == failed, TimeSpan.FromSeconds(60));
        var error = events.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Single();
        Assert.Equal("sandbox_provider_not_configured", error.Code);
        Assert.Contains("'nowhere'", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>A server whose Modal token is refused.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModalSandboxBadTokenTests(FakeModalFixture modal) : ServerTest, IClassFixture<FakeModalFixture>
{
    protected override IDictionary<string, string?>? Settings => modal.Settings(secret: "as-not-the-secret");

    [Fact]
    public async Task Message_WithARefusedToken_FailsTheTurnWithSandboxAuth()
    {
        var session = await Server.CreateSessionAsync();
        var hub = await SubscribeHubAsync(session.SessionId);

        var turn = await Server.SendMessageAsync(session.SessionId, "Hello");
        await hub.WaitForAsync<TurnFailedEvent>(e => e.TurnId == turn, TimeSpan.FromSeconds(60));

        var error = hub.Events.OfType<BlockCompleteEvent>().Select(e => e.Block).OfType<ErrorBlock>().Single();
        Assert.Equal("sandbox_auth", error.Code);
        Assert.Contains("Token ID or secret is invalid", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, modal.Server.Calls("SandboxCreate"));
        Assert.Empty(Model.ConversationRequests);
    }
}
