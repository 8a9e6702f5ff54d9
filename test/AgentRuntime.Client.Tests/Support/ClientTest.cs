using AgentRuntime.Testing;

namespace AgentRuntime.Client.Tests.Support;

/// <summary>A running server with its scripted model, and a client of it, for each test; everything is stopped afterwards.</summary>
public abstract class ClientTest : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    internal RuntimeServer Server { get; private set; } = null!;

    internal ScriptedModelServer Model => Server.Model;

    internal AgentRuntimeClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await RuntimeServer.StartAsync(TestContext.Current.CancellationToken);
        Client = Track(new AgentRuntimeClient(Server.BaseAddress));
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
