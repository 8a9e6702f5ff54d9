using System.Net;
using Microsoft.AspNetCore.SignalR.Client;

namespace AgentRuntime.Client.Internal;

/// <summary>
/// The client's one SignalR connection, shared by its subscriptions. It does not reconnect by itself: a subscription
/// whose stream broke asks for a connected one again, and the first to ask starts it. That keeps the resume logic in
/// one place (<see cref="ResumableStream"/>) instead of split between it and SignalR's automatic reconnect.
/// A start the server refuses (401, 403 at the negotiate) throws <see cref="AgentRuntimeApiException"/>, which the
/// subscriptions take as final rather than as a drop to retry.
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
                try
                {
                    await connection.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex) when (ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    // SignalR keeps only the status of the negotiate's answer, not its problem details.
                    throw new AgentRuntimeApiException(
                        ex.StatusCode.Value,
                        ex.StatusCode == HttpStatusCode.Unauthorized ? "Unauthorized" : "Forbidden",
                        $"The hub refused the connection ({(int)ex.StatusCode.Value}): {ex.Message}",
                        ex);
                }
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
