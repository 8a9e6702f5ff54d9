using AgentRuntime.Sessions;
using AgentRuntime.Testing;

namespace AgentRuntime.Client.Tests.Support;

/// <summary>
/// A running server with its scripted model, and a client of it signed in with the server's admin key, for each test;
/// everything is stopped afterwards.
/// </summary>
public abstract class ClientTest : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    internal RuntimeServer Server { get; private set; } = null!;

    internal ScriptedModelServer Model => Server.Model;

    /// <summary>A client with the admin key.</summary>
    internal AgentRuntimeClient Client { get; private set; } = null!;

    /// <summary>Configuration the test class's servers start with, on top of the harness's own.</summary>
    private protected virtual IReadOnlyDictionary<string, string?> ServerSettings { get; } = new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        Server = await RuntimeServer.StartAsync(TestContext.Current.CancellationToken, ServerSettings);
        Client = CreateClient();
    }

    /// <summary>
    /// A client of the server with the admin key, disposed with the test; <paramref name="configure"/> changes its
    /// options (another address, another key or none).
    /// </summary>
    internal AgentRuntimeClient CreateClient(Action<AgentRuntimeClientOptions>? configure = null)
    {
        var options = new AgentRuntimeClientOptions { BaseAddress = Server.BaseAddress, ApiKey = Server.AdminKey };
        configure?.Invoke(options);
        return Track(new AgentRuntimeClient(options));
    }

    /// <summary>Disposes <paramref name="disposable"/> with the test, before the server stops.</summary>
    internal TDisposable Track<TDisposable>(TDisposable disposable)
        where TDisposable : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>Reads <paramref name="subscribe"/> in the background until the test ends.</summary>
    internal StreamCollector<T> Collect<T>(Func<CancellationToken, IAsyncEnumerable<T>> subscribe) =>
        Track(new StreamCollector<T>(subscribe, TestContext.Current.CancellationToken));

    /// <summary>
    /// Waits until <paramref name="changes"/> is subscribed on the server: the hub registers a list subscriber
    /// asynchronously, so a session created before that would go unseen. <paramref name="creator"/> makes (and deletes)
    /// probe sessions until one shows; it must be of a tenant the subscriber sees.
    /// </summary>
    internal static async Task WaitForListSubscriptionAsync(StreamCollector<SessionListChange> changes, AgentRuntimeClient creator, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + RuntimeServer.Timeout;
        var seen = changes.Items.Count;
        while (changes.Items.Count == seen)
        {
            Assert.True(DateTime.UtcNow < deadline, "the session list subscription never saw a change");
            if (changes.Completion.IsCompleted)
            {
                await changes.Completion;
                Assert.Fail("the session list subscription ended");
            }

            var probe = await creator.CreateSessionAsync("default", "claude-agent-sdk", "probe", cancellationToken: ct).WaitAsync(RuntimeServer.Timeout, ct);
            await Task.Delay(200, ct);
            await creator.DeleteSessionAsync(probe.SessionId, ct).WaitAsync(RuntimeServer.Timeout, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync().AsTask().WaitAsync(RuntimeServer.Timeout);
        }

        await Server.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
