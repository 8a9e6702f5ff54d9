using Microsoft.AspNetCore.SignalR.Client;

namespace AgentRuntime.Client.Internal;

/// <summary>
/// The client's one SignalR connection, shared by its subscriptions. It does not reconnect by itself: a subscription
/// whose stream broke asks for a connected one again, and the first to ask starts it. That keeps the resume logic in
/// one place (<see cref="ResumableStream"/>) instead of split between it and SignalR's automatic reconnect.
/// </summary>
internal sealed class HubConnectionHolder(HubConnection connection) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<HubConnection> GetConnectedAsync(CancellationToken cancellationToken)
    {
        if (connection.State == HubConnectionState.Connected)
        {
            return connection;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connection.State == HubConnectionState.Disconnected)
            {
                await connection.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection.State == HubConnectionState.Connected
                ? connection
                : throw new InvalidOperationException($"The hub connection is {connection.State}.");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
