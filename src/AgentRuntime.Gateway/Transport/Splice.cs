using System.Buffers;
using System.Net.Sockets;

namespace AgentRuntime.Gateway.Transport;

/// <summary>Copies bytes both ways between a sandbox's connection and the runtime's end until either closes.</summary>
internal static class Splice
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Runs until <paramref name="target"/> closes, <paramref name="sandbox"/> fails, or <paramref name="cancellationToken"/>
    /// fires, then disposes both streams. When the sandbox only ends its sending (end of stream), the target is told so
    /// (a socket's send side is shut down) and its answer still flows back, as a client that half-closes expects.
    /// </summary>
    public static async Task RunAsync(Stream sandbox, Stream target, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpAsync(sandbox, target, stop.Token);
        var down = PumpAsync(target, sandbox, stop.Token);
        try
        {
            if (await Task.WhenAny(up, down).ConfigureAwait(false) == up && up.IsCompletedSuccessfully)
            {
                ShutdownSend(target);
                await down.ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // One side went away or the lease closed: the other goes too.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);

            // Disposing unblocks a read that ignores the token (a stream of some other transport).
            await sandbox.DisposeAsync().ConfigureAwait(false);
            await target.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Copies until the source ends, flushing every piece at once so streamed answers are not held back.</summary>
    public static async Task PumpAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ShutdownSend(Stream stream)
    {
        try
        {
            if (stream is NetworkStream network)
            {
                network.Socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone; the answer pump ends by itself.
        }
    }
}
